// The self-contained page (`view --html`) of a large trace: its trace, gzipped in the page and decompressed as a
// stream, arrives whole (lines and characters split between chunks intact), every lane and its details are shown,
// and using the page does not read the trace again.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launch, offlinePage, openViewer, tempDir } from './browser.js';
import { messages, rows, stats, view } from './hook.js';

const TASKS = 2000;
const STEPS = 40;
let browser: Browser;
const dir = tempDir();

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** TASKS tasks named with multi-byte characters, stepping round-robin STEPS times each (~3.5 MB of text, many
 * decompressed chunks), then ending; returns the text and where it ends (ns). */
function trace(): { text: string; endNs: number } {
  const lines = ['{"format":"async-lanes","version":1,"runtime":"python","cwd":"/p"}', '["site",1,"/p/a.py",3,"work"]'];
  let last = 0;
  const at = (t: number, r: unknown[]) => {
    r.splice(1, 0, t - last);
    last = t;
    lines.push(JSON.stringify(r));
  };
  let t = 0;
  for (let id = 1; id <= TASKS; id++) at((t += 100), ['task', id, null, `wörker-😀-${id}`, 'work', 1, 0]);
  for (let s = 0; s < STEPS; s++) for (let id = 1; id <= TASKS; id++) at((t += 1000), ['step', id, 500, null, 1]);
  for (let id = 1; id <= TASKS; id++) at((t += 100), ['end', id, 'ok', `'done ü ${id}'`, null]);
  at((t += 100), ['exit', 'exit', 0]);
  return { text: lines.join('\n') + '\n', endNs: t };
}

describe('the --html page of a large trace', () => {
  it('shows every lane, whole, and a lane\'s details; selecting reads nothing again', async () => {
    const { text, endNs } = trace();
    const { page, errors } = await openViewer(browser, offlinePage(text, dir, 'large.lanes'));
    assert.equal((await view(page)).endNs, endNs, 'the trace was read to its end');
    const tasks = (await rows(page)).filter((r) => r.type === 'task');
    assert.equal(tasks.length, TASKS);
    for (const [i, row] of tasks.entries()) assert.ok(row.label.includes(`wörker-😀-${i + 1}`), `${row.label} is task ${i + 1}'s`);
    await page.locator('[role=treeitem][data-key="task:1"]').click();
    await page.locator('#details h2.title', { hasText: 'wörker-😀-1' }).waitFor();
    assert.match((await page.locator('#details').textContent())!, /'done ü 1'/);
    assert.ok((await messages(page)).some((m) => m.type === 'selected' && m.taskId === 1));
    const s = await stats(page);
    assert.equal(s.loads, 1, 'the trace was loaded once');
    assert.ok(s.appends <= 1, 'and rebuilt once, when it was all there');
    assert.deepEqual(errors, []);
  });
});
