// The example programs, recorded for real, render the expected lanes and segment kinds: asserted through the
// accessible task list and hit-testing at known times (taken from the model's own index of the same trace).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { TraceIndex } from '../../src/model/index.js';
import { parseTrace } from '../../src/model/parser.js';
import { launch, offlinePage, openViewer, record, SHOTS, tempDir } from './browser.js';
import { kindAt, rows } from './hook.js';

let browser: Browser;
const dir = tempDir();

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function show(example: string): Promise<{ page: Page; index: TraceIndex; errors: string[] }> {
  const text = readFileSync(record(example, dir), 'utf8');
  const { page, errors } = await openViewer(browser, offlinePage(text, dir, `${example.replace(/\W+/g, '_')}.lanes`));
  return { page, index: new TraceIndex(parseTrace(text)), errors };
}

const byName = (index: TraceIndex, name: string) => {
  const t = index.tasks.find((x) => x.name === name);
  assert.ok(t, `task ${name} in the trace`);
  return t;
};

describe('example traces in the viewer', () => {
  it('gather_sleeps: loop lane, tasks nested under their parent, running / waiting / outcome at known times', async () => {
    const { page, index, errors } = await show('gather_sleeps');
    const list = await rows(page);
    assert.equal(list[0].key, 'loop:0');
    assert.equal(list[0].type, 'loop');
    // Lanes are called by what runs there; asyncio's automatic names are only their ids.
    const main = list.find((r) => r.sub === 'Task-1')!;
    assert.equal(main.label, 'main');
    assert.equal(main.depth, 0);
    for (const name of ['Task-2', 'Task-3', 'Task-4']) {
      const row = list.find((r) => r.sub === name);
      assert.equal(row?.label, 'fetch', `${name} runs fetch`);
      assert.equal(row?.depth, 1, `${name} is nested under Task-1`);
    }
    // The accessible list mirrors the canvas rows, in the same order.
    const items = await page.locator('[role=treeitem]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
    assert.deepEqual(items, list.map((r) => r.key));
    const ariaMain = await page.locator('[role=treeitem][data-key="task:1"]').getAttribute('aria-expanded');
    assert.equal(ariaMain, 'true');

    const fetch = byName(index, 'Task-2');
    const first = fetch.steps[0];
    assert.equal(await kindAt(page, `task:${fetch.id}`, first.start + first.dur / 2), 'running');
    assert.equal(await kindAt(page, `task:${fetch.id}`, first.start + first.dur + first.idleNs / 2), 'wait-sleep');
    const parent = byName(index, 'Task-1');
    const gatherStep = parent.steps[0];
    assert.equal(await kindAt(page, `task:${parent.id}`, gatherStep.start + gatherStep.dur + gatherStep.idleNs / 2), 'wait-gather');
    // The loop lane shows the step of Task-2 at the same instant.
    assert.equal(await kindAt(page, 'loop:0', first.start + first.dur / 2), 'running');
    // The outcome marker sits where the lane ends.
    assert.match((await page.locator('[role=treeitem][data-key="task:2"]').getAttribute('aria-label'))!, /^fetch \(Task-2\), ✓/);
    await page.screenshot({ path: join(SHOTS, 'gather-light.png') });
    assert.deepEqual(errors, []);
  });

  it('lane labels say what runs there: the coroutine, or the program\'s name for the task and its coroutine; Task-N only as the id', async () => {
    const { page, index, errors } = await show('queue_workers');
    const items = await page.locator('[role=treeitem]').evaluateAll((els) => els.map((e) => ({
      key: e.getAttribute('data-key'),
      aria: e.getAttribute('aria-label') ?? '',
      name: e.querySelector('.name')?.textContent ?? '',
      sub: e.querySelector('.name .sub')?.textContent ?? null,
    })));
    const main = items.find((i) => i.key === `task:${byName(index, 'Task-1').id}`)!;
    assert.equal(main.name, 'main Task-1', 'the coroutine, then its automatic name');
    assert.equal(main.sub, ' Task-1', 'the automatic name is set apart, shown dimmer');
    assert.match(main.aria, /^main \(Task-1\), /);
    for (const w of ['w0', 'w1', 'w2']) {
      const item = items.find((i) => i.key === `task:${byName(index, w).id}`)!;
      assert.equal(item.name, `${w} · worker`, 'the program named it: its name, then what runs there');
      assert.equal(item.sub, null);
      assert.match(item.aria, new RegExp(`^${w} · worker, `));
    }
    // Search finds a lane by its coroutine and by its automatic name alike.
    await page.locator('#search').fill('Task-1');
    await page.waitForFunction(() => (globalThis as unknown as { __lanes: { rows(): { type: string }[] } }).__lanes.rows().filter((r) => r.type === 'task').length === 1);
    await page.locator('#search').fill('');
    // The details pane's title says the same.
    await page.locator(`[role=treeitem][data-key="task:${byName(index, 'w1').id}"]`).click();
    assert.equal(await page.locator('#details h2.title').textContent(), 'w1 · worker');
    await page.screenshot({ path: join(SHOTS, 'lane-labels.png') });
    assert.deepEqual(errors, []);
  });

  it('executor: a lane per executor thread with its work; the task waits on the executor meanwhile', async () => {
    const { page, index, errors } = await show('executor');
    const list = await rows(page);
    const threads = list.filter((r) => r.type === 'thread');
    assert.ok(threads.length >= 1, 'an executor thread lane');
    const work = index.work[0];
    const lane = `thread:${work.thread}`;
    assert.equal(await kindAt(page, lane, work.start + work.dur / 2), 'work');
    const waiter = index.tasks.find((t) => t.steps.some((s) => s.awaitKind === 'executor'))!;
    const s = waiter.steps.find((x) => x.awaitKind === 'executor')!;
    assert.equal(await kindAt(page, `task:${waiter.id}`, s.start + s.dur + s.idleNs / 2), 'wait-executor');
    assert.deepEqual(errors, []);
  });

  it('blocked_loop: the block in the alarm colour on the loop lane and the task, listed as a finding', async () => {
    const { page, index, errors } = await show('blocked_loop');
    const block = index.blocks[0];
    assert.ok(block, 'the example blocks the loop');
    assert.equal(await kindAt(page, 'loop:0', block.start + block.dur / 2), 'blocked');
    if (block.task !== null) assert.equal(await kindAt(page, `task:${block.task}`, block.start + block.dur / 2), 'blocked');
    const finding = page.locator('#findings-list [role=option].blocked-loop').first();
    assert.match((await finding.textContent())!, /blocked-loop.*blocked_loop\.py:\d+/);
    await page.screenshot({ path: join(SHOTS, 'blocked-loop.png') });
    assert.deepEqual(errors, []);
  });

  it('pending_at_exit and unretrieved_exception: pending, exception and cancelled outcomes and their findings', async () => {
    for (const example of ['pending_at_exit', 'unretrieved_exception']) {
      const { page, index, errors } = await show(example);
      const shown = new Set((await rows(page)).map((r) => r.key));
      for (const task of index.tasks) {
        // asyncio.run's own tasks are in the collapsed "asyncio internals" group (test/webview/futures.test.ts).
        if (!shown.has(`task:${task.id}`) && task.coro.startsWith('BaseEventLoop.')) continue;
        const label = (await page.locator(`[role=treeitem][data-key="task:${task.id}"]`).getAttribute('aria-label'))!;
        const glyph = { ok: '✓', error: '✗', cancelled: '⊘', pending: '…' }[task.state];
        assert.ok(label.includes(`, ${glyph}`), `${example}: ${task.name} shows ${glyph}: ${label}`);
      }
      const kinds = await page.locator('#findings-list [role=option] .fkind').allTextContents();
      assert.ok(kinds.includes(example === 'pending_at_exit' ? 'pending-at-exit' : 'unretrieved-exception'), `${example}: ${kinds}`);
      assert.deepEqual(errors, []);
      await page.close();
    }
  });

  it('follows the system light / dark mode through the same body classes VS Code sets', async () => {
    const text = readFileSync(record('demo/shop.py', dir), 'utf8');
    const url = offlinePage(text, dir, 'shop.lanes');
    const colors: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const { page, errors } = await openViewer(browser, url, scheme);
      assert.equal(await page.evaluate('document.body.className'), `vscode-${scheme}`);
      colors.push(await page.evaluate('getComputedStyle(document.body).getPropertyValue("--lanes-bg").trim()'));
      await page.locator('#tree').focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.screenshot({ path: join(SHOTS, `shop-${scheme}.png`) });
      assert.deepEqual(errors, []);
      await page.close();
    }
    assert.notEqual(colors[0], colors[1]);
  });

  it('every example opens without errors and draws at most one rectangle per pixel per lane', async () => {
    for (const example of ['queue_workers', 'semaphore', 'taskgroup', 'timeouts', 'futures', 'callbacks_run_forever', 'thread_loop', 'demo/shop.py']) {
      const { page, errors } = await show(example);
      const [s, width] = await Promise.all([page.evaluate('globalThis.__lanes.stats()') as Promise<{ last: { rects: number; rows: number } }>, page.locator('#lanes').evaluate((c) => (c as unknown as { clientWidth: number }).clientWidth)]);
      assert.ok(s.last.rows > 0, `${example}: rows drawn`);
      assert.ok(s.last.rects <= s.last.rows * width * 2, `${example}: ${s.last.rects} rects for ${s.last.rows} rows`);
      assert.deepEqual(errors, [], example);
      await page.close();
    }
  });
});
