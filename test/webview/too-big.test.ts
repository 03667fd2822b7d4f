// A trace larger than the timeline holds (a small budget here) opens with a clear message and the way forward —
// `async-lanes view FILE --from … --to …` — instead of a dead tab; a time window of it opens as a trace of its own.

import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { TraceWindow } from '../../src/model/time-window.js';
import { loadAssets } from '../../src/page/page.js';
import { startViewServer, type ViewServer } from '../../src/viewer/server.js';
import { launch, openViewer, ROOT, SHOTS, tempDir } from './browser.js';
import { rows } from './hook.js';

let browser: Browser;
const servers: ViewServer[] = [];
const dir = tempDir();
const assets = () => loadAssets(join(ROOT, 'out', 'webview'));

/** Worker tasks stepping every 10 ms for `seconds`, in chunks of 1000 records that start with a clock record, as the
 * recorders write them. */
function trace(seconds: number): string {
  const lines = ['{"format":"async-lanes","version":1,"runtime":"python","cwd":"/p"}', '["site",1,"/p/a.py",3,"work"]'];
  let last = 0;
  const at = (t: number, r: unknown[]) => {
    if (lines.length % 1000 === 0) lines.push(`["clock",${last}]`);
    r.splice(1, 0, t - last);
    last = t;
    lines.push(JSON.stringify(r));
  };
  for (let id = 1; id <= 4; id++) at(id * 1e6, ['task', id, null, `worker-${id}`, 'work', 1, 0]);
  for (let t = 10e6; t < seconds * 1e9; t += 10e6) for (let id = 1; id <= 4; id++) at(t + id * 1e5, ['step', id, 5e4, null, 1]);
  for (let id = 1; id <= 4; id++) at(seconds * 1e9 + id, ['end', id, 'ok', 'None', null]);
  at(seconds * 1e9 + 10, ['exit', 'exit', 0]);
  return lines.join('\n') + '\n';
}

before(async () => {
  browser = await launch();
});
after(async () => {
  for (const s of servers) await s.close();
  await browser?.close();
});

async function serve(file: string, options: Parameters<typeof startViewServer>[2]): Promise<string> {
  const server = await startViewServer(file, assets(), options);
  servers.push(server);
  return server.url;
}

describe('a trace too big for the timeline', () => {
  it('says so, names its size and the command that opens a time window, and reads none of it', async () => {
    const file = join(dir, 'big.lanes');
    const text = trace(20);
    writeFileSync(file, text);
    const url = await serve(file, { budgetBytes: 100_000 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const offsets: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/trace/')) offsets.push(new URL(r.url()).searchParams.get('from')!);
    });
    await page.goto(url);
    const notice = page.locator('#notices .notice.error');
    await notice.waitFor();
    const said = (await notice.textContent())!;
    const mb = (text.length / 1e6).toFixed(1);
    assert.match(said, new RegExp(`This trace is too big for the timeline: ${mb.replace('.', '\\.')} MB over 20\\.0 s, and the timeline holds up to 0\\.1 MB\\. Open a time window of it \\(times after the trace's start, up to 20\\.0 s;`));
    assert.equal(await page.locator('#window-way code').textContent(), 'async-lanes view big.lanes --from 0s --to 10s');
    assert.equal(await page.locator('main.body').evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): { visibility: string } }).getComputedStyle(e).visibility), 'hidden', 'no empty lanes under the message');
    await page.waitForTimeout(600);
    assert.deepEqual(offsets, ['0'], 'one request, then no more');
    await page.screenshot({ path: join(SHOTS, 'too-big.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a live trace that grows past the budget switches to the message', async () => {
    const file = join(dir, 'growing.lanes');
    const text = trace(2);
    writeFileSync(file, text);
    const { page, errors } = await openViewer(browser, await serve(file, { budgetBytes: text.length + 1000 }));
    assert.ok((await rows(page)).length > 0);
    appendFileSync(file, text.split('\n').slice(2, 200).join('\n') + '\n');
    await page.locator('#notices .notice.error #window-way').waitFor();
    assert.match((await page.locator('#notices').textContent())!, /too big for the timeline/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a time window of it opens as a trace of its own, saying where it lies', async () => {
    const file = join(dir, 'big.lanes');
    const w = new TraceWindow(12.5e9, 15e9);
    const windowText = w.push(trace(20)) + w.end();
    const { page, errors } = await openViewer(browser, await serve(file, { budgetBytes: 100_000, window: { text: windowText, name: 'big.lanes [12.5 s – 15.0 s]' } }));
    assert.equal(await page.locator('#trace-name').textContent(), 'big.lanes [12.5 s – 15.0 s]');
    assert.deepEqual((await rows(page)).filter((r) => r.type === 'task').map((r) => r.label).sort(), ['worker-1 · work', 'worker-2 · work', 'worker-3 · work', 'worker-4 · work']);
    assert.match((await page.locator('#notices').textContent())!, /A time window of the trace, from 12\.5 s to 15\.0 s after its start \(0 on the axis is 12\.5 s\)/);
    assert.equal(await page.locator('#follow').getAttribute('aria-pressed'), 'false', 'a window does not grow: not followed');
    const summary = (await page.locator('#details').textContent())!;
    assert.match(summary, /Window12\.5 s → 15\.0 s of the whole trace/);
    assert.match(summary, /Endednot in this window: it ends 15\.0 s after the trace's start, and the trace goes on/);
    // Tasks alive at the window's end are not "pending at exit": the program went on.
    await page.locator('[role=treeitem][data-key="task:1"]').click();
    assert.match((await page.locator('#details').textContent())!, /Outcomestill running at the window's end/);
    await page.screenshot({ path: join(SHOTS, 'time-window.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
