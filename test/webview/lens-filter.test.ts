// A code lens's click (issue 17): the host's `showTasks` message limits the timeline to one function's tasks, with
// their ancestors for context, under a bar that says how many and of what, and one click or Esc shows all again.
// The page runs as in VS Code: a stand-in for acquireVsCodeApi answers `ready` with the trace and the test posts
// host messages to the window, as the extension's webview does. Screenshots in light and dark.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { TraceIndex } from '../../src/model/index.js';
import { parseTrace } from '../../src/model/parser.js';
import type { HostMessage } from '../../src/protocol/messages.js';
import type { HookStats } from '../../src/protocol/test-hook.js';
import { launch, offlinePage, record, SHOTS, tempDir } from './browser.js';
import { nextFrame, rows, view, yOf } from './hook.js';

let browser: Browser;
let text: string;
let url: string;
let index: TraceIndex;

before(async () => {
  browser = await launch();
  const dir = tempDir();
  text = readFileSync(record('demo/shop.py', dir), 'utf8');
  index = new TraceIndex(parseTrace(text));
  url = offlinePage(text, dir, 'shop.lanes');
});
after(async () => {
  await browser?.close();
});

/** The page with a VS Code host stand-in that sends the trace when the page is ready. */
async function openInHost(colorScheme: 'light' | 'dark'): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 800 }, colorScheme });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const load: HostMessage = { type: 'load', name: 'shop.lanes', text, live: false };
  // VS Code says its theme by the body's class.
  if (colorScheme === 'dark') await page.addInitScript(`document.addEventListener('DOMContentLoaded', () => document.body.classList.add('vscode-dark'))`);
  await page.addInitScript(`globalThis.acquireVsCodeApi = () => ({
    postMessage: (m) => { if (m.type === 'ready') setTimeout(() => window.postMessage(${JSON.stringify(load)}, '*')); },
    setState: () => {}, getState: () => undefined,
  });`);
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as { __lanes?: { ready(): boolean } }).__lanes?.ready() === true);
  return { page, errors };
}

const post = (page: Page, m: HostMessage) => page.evaluate(`window.postMessage(${JSON.stringify(m)}, '*')`);
const drawn = async (page: Page) => ((await page.evaluate('globalThis.__lanes.stats()')) as HookStats).last.rows;

describe('a code lens\'s task filter in the timeline', () => {
  const lookups = () => index.tasks.filter((t) => t.coro.endsWith('lookup'));

  for (const scheme of ['light', 'dark'] as const) {
    it(`shows only the function's tasks and their ancestors, says so, and shows all again (${scheme})`, async () => {
      const { page, errors } = await openInHost(scheme);
      const all = (await rows(page)).length;
      const ids = lookups().map((t) => t.id);
      assert.ok(ids.length >= 3, `lookup tasks: ${ids.length}`);
      const bar = page.locator('#scope-bar');
      assert.equal(await bar.isVisible(), false, 'no bar without a filter');

      await post(page, { type: 'showTasks', taskIds: ids, label: 'lookup()', total: ids.length });
      await bar.waitFor({ state: 'visible' });
      await nextFrame(page);
      assert.equal((await page.locator('#scope-text').textContent())?.trim(), `Showing ${ids.length} tasks of lookup()`);
      // The rows: the lookups, and their ancestors (handle_order, main) as context; nothing else.
      const shown = await rows(page);
      const ancestors = new Set<string>();
      for (const id of ids) for (let p = index.task(id)!.parent; p !== null; p = index.task(p)!.parent) ancestors.add(`task:${p}`);
      assert.deepEqual(new Set(shown.map((r) => r.key)), new Set([...ids.map((id) => `task:${id}`), ...ancestors]));
      assert.equal(await drawn(page), shown.length, 'the canvas draws the filtered rows only');
      const other = index.tasks.find((t) => t.coro.endsWith('printer'))!;
      assert.equal(await yOf(page, `task:${other.id}`), null, 'a task of another function is not drawn');
      // The accessible tree follows: the same rows, the ancestors marked as context; the first lookup selected.
      const items = page.locator('[role=treeitem]');
      assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-key'))), shown.map((r) => r.key));
      for (const key of ancestors) assert.match((await page.locator(`[role=treeitem][data-key="${key}"]`).getAttribute('class'))!, /\bcontext\b/);
      assert.equal((await view(page)).selected, `task:${ids[0]}`);
      assert.equal(await page.locator('[role=treeitem][aria-selected=true]').getAttribute('data-key'), `task:${ids[0]}`);
      await page.screenshot({ path: join(SHOTS, `lens-filter-${scheme}.png`) });

      // One click shows all again.
      await page.locator('#scope-clear').click();
      await bar.waitFor({ state: 'hidden' });
      assert.equal((await rows(page)).length, all);
      // And from the keyboard: Esc drops the filter (the selection stays).
      await post(page, { type: 'showTasks', taskIds: ids.slice(0, 2), label: 'lookup()', total: 40 });
      await bar.waitFor({ state: 'visible' });
      assert.equal((await page.locator('#scope-text').textContent())?.trim(), 'Showing 2 tasks of lookup() (the first 2 of 40 tasks that ran it)');
      await page.locator('#lanes').focus();
      await page.keyboard.press('Escape');
      await bar.waitFor({ state: 'hidden' });
      assert.equal((await rows(page)).length, all);
      assert.equal((await view(page)).selected, `task:${ids[0]}`);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  it('the filter sent before the trace is read applies once it is', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    const ids = lookups().map((t) => t.id);
    const load: HostMessage = { type: 'load', name: 'shop.lanes', text, live: false };
    const scope: HostMessage = { type: 'showTasks', taskIds: ids, label: 'lookup()' };
    // The host's order when the page is new: the filter, then the trace.
    await page.addInitScript(`globalThis.acquireVsCodeApi = () => ({
      postMessage: (m) => { if (m.type === 'ready') setTimeout(() => { window.postMessage(${JSON.stringify(scope)}, '*'); window.postMessage(${JSON.stringify(load)}, '*'); }); },
      setState: () => {}, getState: () => undefined,
    });`);
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as unknown as { __lanes?: { ready(): boolean } }).__lanes?.ready() === true);
    await page.locator('#scope-bar').waitFor({ state: 'visible' });
    const keys = (await rows(page)).map((r) => r.key);
    for (const id of ids) assert.ok(keys.includes(`task:${id}`));
    assert.ok(!keys.includes('loop:0'), 'the event loop lane is filtered out');
    assert.equal((await view(page)).selected, `task:${ids[0]}`);
    await page.close();
  });
});
