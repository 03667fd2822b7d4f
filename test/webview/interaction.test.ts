// Hover, click-to-details, zoom, pan, search and filters, the time cursor, keyboard navigation of the task list,
// findings, edges and "go to source", on the recorded demo program (examples/demo/shop.py).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { TraceIndex } from '../../src/model/index.js';
import { parseTrace } from '../../src/model/parser.js';
import { canvasBox, launch, offlinePage, openViewer, record, SHOTS, tempDir } from './browser.js';
import { hitTest, messages, nextFrame, rows, view, xOf, yOf } from './hook.js';

let browser: Browser;
let url: string;
let index: TraceIndex;
let page: Page;
let errors: string[];

before(async () => {
  browser = await launch();
  const dir = tempDir();
  const text = readFileSync(record('demo/shop.py', dir), 'utf8');
  index = new TraceIndex(parseTrace(text));
  url = offlinePage(text, dir, 'shop.lanes');
});
after(async () => {
  await browser?.close();
});
beforeEach(async () => {
  await page?.close();
  ({ page, errors } = await openViewer(browser, url));
});

const task = (name: string) => index.tasks.find((t) => t.name === name)!;

/** Page coordinates of time t on lane `key`. */
async function at(key: string, t: number): Promise<{ x: number; y: number }> {
  const box = await canvasBox(page);
  return { x: box.x + (await xOf(page, t)), y: box.y + (await yOf(page, key))! };
}

describe('viewer interaction', () => {
  it('hover shows a tooltip for the segment under the pointer', async () => {
    const t = task('Task-10');
    const s = t.steps[0];
    const p = await at(`task:${t.id}`, s.start + s.dur + s.idleNs / 2);
    await page.mouse.move(p.x, p.y);
    const tip = page.locator('#tooltip');
    await tip.waitFor({ state: 'visible' });
    const text = (await tip.textContent())!;
    assert.match(text, /^lookup \(Task-10\): waiting/);
    assert.match(text, /resolved: result at .* by timer/);
    await page.mouse.move(5, 5);
    await tip.waitFor({ state: 'hidden' });
  });

  it('a click selects the lane and opens its details; edges and "go to source" work', async () => {
    const t = task('Task-7');
    const p = await at(`task:${t.id}`, t.steps[0].start + t.steps[0].dur + 1);
    await page.mouse.click(p.x, p.y);
    assert.equal((await view(page)).selected, `task:${t.id}`);
    const details = page.locator('#details');
    await details.getByRole('heading', { name: /Task-7/ }).waitFor();
    const text = (await details.textContent())!;
    for (const label of ['Coroutine', `${t.coro}()`, 'Created at', 'Parent', 'Outcome', 'Busy', 'Idle', 'Scheduled', 'Await sites', 'Woken by', 'Total wait']) {
      assert.ok(text.includes(label), `details show ${label}`);
    }
    assert.equal(await page.locator('[role=treeitem][aria-selected=true]').getAttribute('data-key'), `task:${t.id}`);
    await page.screenshot({ path: join(SHOTS, 'selected-details.png') });
    // Go to source: a message to the host; in the browser the file:line shows in the page.
    await details.locator('button.source').first().click();
    const sent = (await messages(page)).filter((m) => m.type === 'openSource');
    assert.equal(sent.length, 1);
    assert.ok(sent[0].type === 'openSource' && sent[0].file.endsWith('shop.py') && sent[0].line === t.site!.line);
    const toast = page.locator('#source-toast');
    await toast.waitFor({ state: 'visible' });
    assert.match((await toast.textContent())!, /shop\.py:\d+/);
    // The parent link selects the parent.
    await details.locator('button.task').first().click();
    assert.equal((await view(page)).selected, `task:${t.parent}`);
    // On the event loop lane, a click on a step selects the task that ran it.
    const block = index.blocks[0];
    const onLoop = await at('loop:0', block.start + block.dur / 2);
    await page.mouse.click(onLoop.x, onLoop.y);
    assert.equal((await view(page)).selected, `task:${block.task}`);
  });

  it('wheel zooms around the pointer, keys zoom, fit restores; drag and keys pan', async () => {
    const before = await view(page);
    const box = await canvasBox(page);
    const px = box.x + box.width * 0.4;
    const tUnder = before.t0 + ((px - box.x) / box.width) * (before.t1 - before.t0);
    await page.mouse.move(px, box.y + 40);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction((span) => { const v = (globalThis as unknown as { __lanes: { view(): { t0: number; t1: number } } }).__lanes.view(); return v.t1 - v.t0 < span; }, before.t1 - before.t0);
    const zoomed = await view(page);
    assert.ok(zoomed.t1 - zoomed.t0 < (before.t1 - before.t0) / 2, 'zoomed in');
    const tAfter = zoomed.t0 + ((px - box.x) / box.width) * (zoomed.t1 - zoomed.t0);
    assert.ok(Math.abs(tAfter - tUnder) < (zoomed.t1 - zoomed.t0) / 100, 'the time under the pointer stays');
    await page.screenshot({ path: join(SHOTS, 'zoomed.png') });

    await page.mouse.move(px, box.y + 40);
    await page.mouse.down();
    await page.mouse.move(px + 200, box.y + 40, { steps: 5 });
    await page.mouse.up();
    const panned = await view(page);
    assert.ok(panned.t0 < zoomed.t0, 'dragging right shows earlier times');
    assert.ok(Math.abs((panned.t1 - panned.t0) - (zoomed.t1 - zoomed.t0)) < 1, 'panning keeps the zoom');

    await page.locator('#lanes').focus();
    await page.keyboard.press('d');
    assert.ok((await view(page)).t0 > panned.t0, 'D pans right');
    await page.keyboard.press('s');
    assert.ok((await view(page)).t1 - (await view(page)).t0 > panned.t1 - panned.t0, 'S zooms out');
    await page.keyboard.press('w');
    await page.keyboard.press('f');
    const fit = await view(page);
    assert.ok(fit.t0 <= 0 && fit.t1 >= fit.endNs, 'F fits the whole trace');
  });

  it('search and filters narrow the lanes, keeping ancestors for context', async () => {
    await page.locator('#search').fill('Task-13');
    await page.waitForFunction(() => (globalThis as unknown as { __lanes: { rows(): unknown[] } }).__lanes.rows().length <= 3);
    await nextFrame(page);
    const names = (await rows(page)).map((r) => r.sub);
    assert.deepEqual(names, ['Task-1', 'Task-6', 'Task-13'], 'automatic names are searched too');
    assert.match((await page.locator('[role=treeitem][data-key="task:' + task('Task-6').id + '"]').getAttribute('class'))!, /context/);
    await page.locator('#search').fill('');
    await page.locator('#state-filter').selectOption('error');
    const failed = (await rows(page)).map((r) => r.key);
    const errored = index.tasks.filter((t) => t.state === 'error');
    const ancestors = new Set(errored.map((t) => `task:${t.parent}`));
    assert.deepEqual(failed.filter((k) => !ancestors.has(k)), errored.map((t) => `task:${t.id}`));
    await page.locator('#state-filter').selectOption('all');
    await page.locator('#finding-filter').selectOption('blocked-loop');
    const blocked = (await rows(page)).filter((r) => r.type === 'task').map((r) => r.sub);
    assert.ok(blocked.includes('Task-7'), `blocked-loop filter: ${blocked}`);
    await page.screenshot({ path: join(SHOTS, 'filtered.png') });
  });

  it('the time cursor shows every lane\'s state at that instant', async () => {
    const block = index.blocks[0];
    const tMid = block.start + block.dur / 2;
    const box = await canvasBox(page);
    const axis = (await page.locator('#axis').boundingBox())!;
    await page.mouse.click(axis.x + (await xOf(page, tMid)), axis.y + 10);
    await nextFrame(page);
    const cursor = (await view(page)).cursorT!;
    assert.ok(Math.abs(cursor - tMid) < (block.dur / 10), 'cursor set at the clicked time');
    const loopRow = page.locator('[role=treeitem][data-key="loop:0"]');
    assert.match((await loopRow.getAttribute('aria-label'))!, /blocked/);
    assert.equal(await page.locator(`[role=treeitem][data-key="task:${block.task}"] .meta`).textContent(), 'blocked loop');
    const hit = await hitTest(page, await xOf(page, cursor), (await yOf(page, 'loop:0'))!);
    assert.equal(hit?.kind, 'blocked');
    void box;
    await page.screenshot({ path: join(SHOTS, 'cursor.png') });
    await page.locator('#lanes').focus();
    await page.keyboard.press('Escape');
    assert.equal((await view(page)).cursorT, null);
  });

  it('the task list is keyboard navigable (ARIA tree) and collapsing hides a subtree on the canvas', async () => {
    const tree = page.locator('#tree');
    await tree.focus();
    await page.keyboard.press('ArrowDown');
    assert.equal((await view(page)).selected, 'loop:0');
    await page.keyboard.press('ArrowDown');
    const main = task('Task-1');
    assert.equal((await view(page)).selected, `task:${main.id}`);
    await page.waitForFunction((id) => (globalThis as unknown as { document: { getElementById(i: string): { getAttribute(a: string): string | null } } }).document.getElementById('tree').getAttribute('aria-activedescendant') === id, `lane-task-${main.id}`);
    const total = (await rows(page)).length;
    await page.keyboard.press('ArrowLeft');
    const collapsed = await rows(page);
    assert.equal(collapsed.length, total - main.children.length - index.tasks.filter((t) => main.children.includes(t.parent ?? -1)).length);
    await page.locator(`[role=treeitem][data-key="task:${main.id}"][aria-expanded=false]`).waitFor();
    await page.keyboard.press('ArrowRight');
    assert.equal((await rows(page)).length, total);
    await page.keyboard.press('ArrowRight');
    assert.equal((await view(page)).selected, `task:${main.children[0]}`);
  });

  it('a finding in the list selects its place', async () => {
    const option = page.locator('#findings-list [role=option].blocked-loop').first();
    await option.click();
    const v = await view(page);
    const block = index.blocks[0];
    assert.equal(v.selected, `task:${block.task}`);
    assert.ok(v.t0 <= block.start && v.t1 >= block.start + block.dur, 'the block is in view');
    assert.equal(await option.getAttribute('aria-selected'), 'true');
    assert.deepEqual(errors, []);
  });
});
