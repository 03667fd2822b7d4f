// Live view: `async-lanes view` serves a trace that is still being written; the page fetches only the appended
// bytes, appends them to its parser and keeps the user's zoom unless it follows the end.

import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { loadAssets } from '../../src/page/page.js';
import { startViewServer, type ViewServer } from '../../src/viewer/server.js';
import { launch, openViewer, record, ROOT, SHOTS, tempDir } from './browser.js';
import { rows, stats, view } from './hook.js';

let browser: Browser;
let server: ViewServer;
const dir = tempDir();
const file = join(dir, 'live.lanes');

before(async () => {
  browser = await launch();
});
after(async () => {
  await server?.close();
  await browser?.close();
});

type Lanes = { __lanes: { rows(): { label: string }[]; stats(): { appends: number } } };

describe('live view', () => {
  it('appends what the program writes, fetching only new bytes, and keeps the zoom unless following', async () => {
    const full = readFileSync(record('queue_workers', dir), 'utf8');
    const lines = full.split('\n');
    const taskLines = lines.map((l, i) => (l.startsWith('["task"') ? i : -1)).filter((i) => i >= 0);
    // First part: up to (not including) the third task record, cut in the middle of a line.
    const cutLine = taskLines[2];
    const head = lines.slice(0, cutLine).join('\n') + '\n';
    const partial = lines[cutLine].slice(0, 7);
    writeFileSync(file, head + partial);
    server = await startViewServer(file, loadAssets(join(ROOT, 'out', 'webview')));
    const { page, errors } = await openViewer(browser, server.url);
    const offsets: number[] = [];
    page.on('request', (r) => {
      const m = /\/trace\/[\w-]+\?from=(\d+)/.exec(r.url());
      if (m) offsets.push(Number(m[1]));
    });
    const before = (await rows(page)).filter((r) => r.type === 'task').length;
    assert.equal(before, 2);
    assert.match((await page.locator('#notices').textContent())!, /ends mid-record: the program is still writing it/);
    assert.equal((await view(page)).follow, true, 'a live view follows the end at first');

    // Zoom in on the start: no longer following, so the window must stay where it is.
    await page.locator('#fit').click();
    await page.mouse.move(300, 300);
    await page.keyboard.press('w');
    await page.keyboard.press('w');
    await page.keyboard.press('a');
    await page.keyboard.press('a');
    const zoomed = await view(page);
    assert.equal(zoomed.follow, false);

    const rest = lines[cutLine].slice(7) + '\n' + lines.slice(cutLine + 1).join('\n');
    appendFileSync(file, rest);
    await page.waitForFunction(() => (globalThis as unknown as Lanes).__lanes.stats().appends > 0);
    await page.waitForFunction((n) => (globalThis as unknown as Lanes).__lanes.rows().length > n, before + 1);
    const after = await view(page);
    assert.equal(after.t0, zoomed.t0);
    assert.equal(after.t1, zoomed.t1);
    assert.ok(after.endNs > zoomed.endNs, 'the trace grew');
    // asyncio.run's shutdown tasks are no rows: they are in the collapsed "asyncio internals" group.
    const total = full.split('\n').filter((l) => l.startsWith('["task"') && !l.includes('"BaseEventLoop.shutdown_')).length;
    assert.equal((await rows(page)).filter((r) => r.type === 'task').length, total);
    assert.equal((await stats(page)).loads, 1, 'never reloaded');
    assert.ok(offsets.length > 0 && offsets.every((o) => o >= Buffer.byteLength(head + partial)), `only new bytes requested: ${offsets}`);
    assert.doesNotMatch((await page.locator('#notices').textContent())!, /mid-record/);

    // Following the end: Fit turns it on, and the window then grows with the trace.
    await page.locator('#fit').click();
    assert.equal((await view(page)).follow, true);
    const last = await view(page);
    appendFileSync(file, '["clock",9000000000]\n["warn",0,"loop-exception",null,null,"late"]\n');
    await page.waitForFunction((end) => { const v = (globalThis as unknown as { __lanes: { view(): { endNs: number } } }).__lanes.view(); return v.endNs > end; }, last.endNs);
    const followed = await view(page);
    assert.ok(followed.t1 >= followed.endNs, 'the end stays in view');
    await page.screenshot({ path: join(SHOTS, 'live.png') });
    assert.deepEqual(errors, []);
  });
});
