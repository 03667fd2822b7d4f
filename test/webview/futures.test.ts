// Futures drawn (issue 15): the Future example's two futures as rows of the "Futures" group (bar from creation to
// resolution, value and resolver in the accessible tree), their marks on the awaiting lane, their details pane
// reached by clicking a pixel and by keyboard; gather's and executor's futures folded; asyncio's own tasks in a
// collapsed "asyncio internals" group one Enter away. Screenshots of the futures, gather and executor examples in
// light and dark.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { TraceIndex } from '../../src/model/index.js';
import { parseTrace } from '../../src/model/parser.js';
import { canvasBox, launch, offlinePage, openViewer, record, ROOT, SHOTS, tempDir } from './browser.js';
import { hitTest, nextFrame, rows, stateAt, view, xOf, yOf } from './hook.js';

let browser: Browser;
const dir = tempDir();
const traces = new Map<string, string>();

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function show(example: string, scheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; index: TraceIndex; errors: string[] }> {
  let text = traces.get(example);
  if (text === undefined) traces.set(example, (text = readFileSync(record(example, dir), 'utf8')));
  const { page, errors } = await openViewer(browser, offlinePage(text, dir, `${example}.lanes`), scheme);
  return { page, index: new TraceIndex(parseTrace(text)), errors };
}

/** The line of `# marker` in an example. */
function lineOf(example: string, marker: string): number {
  const lines = readFileSync(join(ROOT, 'examples', 'python', `${example}.py`), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`# ${marker}`));
  assert.ok(i >= 0, marker);
  return i + 1;
}

const ariaOf = (page: Page, key: string) => page.locator(`[role=treeitem][data-key="${key}"]`).getAttribute('aria-label');

async function click(page: Page, x: number, y: number): Promise<void> {
  const box = await canvasBox(page);
  await page.mouse.click(box.x + x, box.y + y);
  await nextFrame(page);
}

describe('futures and asyncio internals in the viewer', () => {
  it('futures.py: each future a row with its value and resolver, a mark on the awaiting lane, its own details', async () => {
    const { page, index, errors } = await show('futures');
    const okLine = lineOf('futures', 'future: ok');
    const badLine = lineOf('futures', 'future: bad');
    const ok = index.futures.find((f) => f.site?.line === okLine)!;
    const bad = index.futures.find((f) => f.site?.line === badLine)!;
    const list = await rows(page);
    const group = list.find((r) => r.key === 'group:futures');
    assert.equal(group?.label, 'Futures');
    const okRow = list.find((r) => r.key === `future:${ok.id}`);
    const badRow = list.find((r) => r.key === `future:${bad.id}`);
    assert.equal(okRow?.label, `Future (line ${okLine})`);
    assert.equal(badRow?.label, `Future (line ${badLine})`);
    assert.equal(okRow?.depth, 1, 'inside the Futures group');
    // Readable without a click: the value, who resolved it, the done callback that ran.
    assert.match((await ariaOf(page, `future:${ok.id}`))!, /\(future\), ✓ .*✓ 42 by resolver · then on_done\(\)/);
    assert.match((await ariaOf(page, `future:${bad.id}`))!, /✗ ValueError: no luck by failer · then on_done\(\)/);

    // A pixel in the middle of the ok future's bar is that future; clicking it opens its details.
    const made = ok.created!;
    const y = (await yOf(page, `future:${ok.id}`))!;
    const x = await xOf(page, (made + ok.resolved!) / 2);
    const hit = await hitTest(page, x, y);
    assert.deepEqual([hit?.lane, hit?.what, hit?.kind], [`future:${ok.id}`, 'segment', 'future-result']);
    await click(page, x, y);
    assert.equal((await view(page)).selected, `future:${ok.id}`);
    const details = (await page.locator('#details').textContent())!;
    for (const part of ['Created at', `futures.py:${okLine}`, 'Resolved by', 'resolver', 'Awaited by (1)', 'main', 'on_done()']) {
      assert.ok(details.includes(part), `details show ${part}: ${details}`);
    }

    // The awaiting lane (main) has a mark where the bad future failed: clicking that pixel opens the bad future.
    const main = index.tasks.find((t) => t.coro === 'main')!;
    const my = (await yOf(page, `task:${main.id}`))!;
    const mx = await xOf(page, bad.resolved!);
    assert.equal((await hitTest(page, mx, my))?.what, 'future');
    await click(page, mx, my);
    assert.equal((await view(page)).selected, `future:${bad.id}`);
    assert.match((await page.locator('#details').textContent())!, /ValueError: no luck/);
    await page.screenshot({ path: join(SHOTS, 'futures-selected-light.png') });

    // The awaiting task's details list the futures it awaited, as buttons that open them.
    await page.locator(`[role=treeitem][data-key="task:${main.id}"] .name`).click();
    await nextFrame(page);
    const awaited = await page.locator('#details button[data-key^="future:"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
    assert.ok(awaited.includes(`future:${ok.id}`) && awaited.includes(`future:${bad.id}`), `main's details list its futures: ${awaited}`);
    await page.locator(`#details button[data-key="future:${ok.id}"]`).click();
    assert.equal((await view(page)).selected, `future:${ok.id}`);

    // The time cursor in the ok future's pending period: its row says so, as the task rows say their state.
    const axis = (await page.locator('#axis').boundingBox())!;
    await page.mouse.click(axis.x + x, axis.y + axis.height / 2);
    await nextFrame(page);
    assert.equal(await stateAt(page, `future:${ok.id}`, (made + ok.resolved!) / 2), 'future-result');
    assert.match((await page.locator(`[role=treeitem][data-key="future:${ok.id}"] .meta`).textContent())!, /pending, then a result/);
    await page.keyboard.press('Escape');

    // Searchable like tasks: by the exception's text.
    await page.fill('#search', 'no luck');
    await nextFrame(page);
    const found = (await rows(page)).map((r) => r.key);
    assert.ok(found.includes(`future:${bad.id}`) && !found.includes(`future:${ok.id}`), `search finds the failed future: ${found}`);
    assert.deepEqual(errors, []);
  });

  it('asyncio.run\'s shutdown tasks are folded into "asyncio internals": collapsed, last, opened with Enter', async () => {
    const { page, index, errors } = await show('futures');
    const shutdown = index.tasks.filter((t) => t.coro.startsWith('BaseEventLoop.shutdown_'));
    assert.equal(shutdown.length, 2);
    let list = await rows(page);
    const roots = list.filter((r) => r.depth === 0);
    assert.equal(roots.at(-1)?.key, 'group:internals', `the group is the last root: ${roots.map((r) => r.key)}`);
    assert.equal(roots.at(-1)?.label, 'asyncio internals');
    for (const t of shutdown) assert.ok(!list.some((r) => r.key === `task:${t.id}`), 'collapsed: its tasks are not rows');
    assert.equal(await page.locator('[role=treeitem][data-key="group:internals"]').getAttribute('aria-expanded'), 'false');
    // Its row still shows when asyncio worked: its callbacks (a sleep's timer) are hit on the group's row.
    const timer = index.callbacks.find((c) => c.site?.file.includes('asyncio'))!;
    const gy = (await yOf(page, 'group:internals'))!;
    assert.equal((await hitTest(page, await xOf(page, timer.start + timer.dur / 2), gy))?.lane, 'group:internals');

    // By keyboard: End selects the last row, the group; Enter opens it.
    await page.locator('[role=treeitem][data-key="loop:0"]').click();
    await page.keyboard.press('End');
    await nextFrame(page);
    assert.equal((await view(page)).selected, 'group:internals');
    await page.keyboard.press('Enter');
    await nextFrame(page);
    list = await rows(page);
    assert.equal(await page.locator('[role=treeitem][data-key="group:internals"]').getAttribute('aria-expanded'), 'true');
    for (const t of shutdown) {
      const row = list.find((r) => r.key === `task:${t.id}`);
      assert.equal(row?.depth, 1, `${t.coro} inside the group`);
    }
    assert.ok(list.some((r) => r.label === 'BaseEventLoop.shutdown_asyncgens'));
    // One click on the group's row closes it again (and opens it: the same toggle).
    await page.locator('[role=treeitem][data-key="group:internals"] .name').click();
    await nextFrame(page);
    assert.equal(await page.locator('[role=treeitem][data-key="group:internals"]').getAttribute('aria-expanded'), 'false');
    for (const t of shutdown) assert.ok(!(await rows(page)).some((r) => r.key === `task:${t.id}`));
    assert.deepEqual(errors, []);
  });

  it('gather and run_in_executor futures awaited by one task are folded: a mark on the awaiting lane opens them', async () => {
    const { page, index, errors } = await show('gather_sleeps');
    const gather = index.futures.find((f) => f.kind === 'gather')!;
    let list = await rows(page);
    assert.ok(list.some((r) => r.key === 'group:futures-folded'), 'the folded group');
    assert.ok(!list.some((r) => r.key === `future:${gather.id}`), 'collapsed: the gather is not a row of its own');
    const main = index.tasks.find((t) => t.coro === 'main')!;
    const r = index.resolution(gather.id)!;
    const y = (await yOf(page, `task:${main.id}`))!;
    await click(page, await xOf(page, r.t), y);
    assert.equal((await view(page)).selected, `future:${gather.id}`);
    list = await rows(page);
    assert.equal(list.find((x) => x.key === `future:${gather.id}`)?.depth, 2, 'selecting it opens its group');
    assert.match((await page.locator('#details').textContent())!, /gather.*Awaited by \(1\)/s);
    await page.screenshot({ path: join(SHOTS, 'gather-futures-light.png') });
    assert.deepEqual(errors, []);
  });

  it('a folded future (its lane built only when needed) is found by search, its collapsed group shown around it', async () => {
    const { page, index, errors } = await show('gather_sleeps');
    const gather = index.futures.find((f) => f.kind === 'gather')!;
    assert.ok(!(await rows(page)).some((r) => r.key === `future:${gather.id}`), 'collapsed at first');
    await page.fill('#search', 'gather (line');
    await nextFrame(page);
    const found = await rows(page);
    assert.equal(found.find((r) => r.key === `future:${gather.id}`)?.depth, 2, `search finds it: ${found.map((r) => r.key)}`);
    assert.ok(found.some((r) => r.key === 'group:futures-folded'), 'its group is shown for context');
    // The row count's total counts the folded lanes whether built or not.
    const [shown, total] = (await page.locator('#row-count').textContent())!.split(' / ').map(Number);
    assert.equal(shown, found.length);
    await page.fill('#search', '');
    await nextFrame(page);
    assert.ok(!(await rows(page)).some((r) => r.key === `future:${gather.id}`), 'the group stays collapsed after the search');
    assert.equal(Number((await page.locator('#row-count').textContent())!.split(' / ')[1]), total);
    assert.deepEqual(errors, []);
  });

  it('screenshots: the futures, gather, executor, Semaphore and Queue examples in light and dark, as first shown', async () => {
    for (const example of ['futures', 'gather_sleeps', 'executor', 'semaphore', 'queue_workers']) {
      for (const scheme of ['light', 'dark'] as const) {
        const { page, errors } = await show(example, scheme);
        await page.screenshot({ path: join(SHOTS, `${example}-${scheme}.png`) });
        assert.deepEqual(errors, [], `${example} ${scheme}`);
        await page.close();
      }
    }
  });
});
