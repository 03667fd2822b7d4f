// The language server's per-line figures (model/site-stats.ts), built from the streaming reader's hooks, checked
// against TraceIndex's own per-task tallies of the same fixtures: two independent computations must agree.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TraceParser } from '../../src/model/parser.js';
import { funcName, quantile, SiteStatsBuilder, type SiteStats } from '../../src/model/site-stats.js';
import { TraceStream, type StreamView } from '../../src/model/stream.js';
import { fixtureIndex, fixtureText } from './helpers.js';

const FIXTURES = ['await-task.lanes', 'block.lanes', 'eager.lanes', 'executor.lanes', 'future-by-task.lanes', 'gather.lanes', 'pending-cut.lanes', 'pending-exit.lanes', 'warnings.lanes'];

function stats(name: string): SiteStats {
  let view: StreamView | undefined;
  const builder = new SiteStatsBuilder({ task: (id) => view!.task(id), future: (id) => view!.future(id) });
  const stream = new TraceStream(builder.hooks, { keepTallies: false });
  view = stream.view;
  const parser = new TraceParser(stream.makeData);
  parser.push(fixtureText(name));
  parser.end();
  stream.finish();
  return builder.finish();
}

const key = (file: string, line: number) => `${file}:${line}`;

for (const name of FIXTURES) {
  test(`${name}: await lines agree with TraceIndex's await sites (count, total, max), creation lines with the tasks' sites`, () => {
    const index = fixtureIndex(name);
    const s = stats(name);
    const want = new Map<string, { count: number; totalNs: number; maxNs: number }>();
    for (const t of index.tasks) {
      for (const a of t.awaits) {
        if (a.site === null) continue;
        const w = want.get(key(a.site.file, a.site.line)) ?? { count: 0, totalNs: 0, maxNs: 0 };
        want.set(key(a.site.file, a.site.line), { count: w.count + a.count, totalNs: w.totalNs + a.totalNs, maxNs: Math.max(w.maxNs, a.maxNs) });
      }
    }
    const got = new Map(s.awaits.map((a) => [key(a.file, a.line), { count: a.count, totalNs: a.totalNs, maxNs: a.maxNs }]));
    assert.deepEqual(got, want);
    for (const a of s.awaits) {
      assert.ok(a.medianNs <= a.maxNs && a.medianNs * a.count <= a.totalNs * 2 + 1, `${a.file}:${a.line} median ${a.medianNs}`);
      assert.equal(a.awaited.reduce((n, t) => n + t.count, 0), a.count, 'every wait says what it awaited');
    }
    const created = new Map<string, number>();
    for (const t of index.tasks) if (t.site) created.set(key(t.site.file, t.site.line), (created.get(key(t.site.file, t.site.line)) ?? 0) + 1);
    assert.deepEqual(new Map(s.creations.filter((c) => c.tasks > 0).map((c) => [key(c.file, c.line), c.tasks])), created);
  });
}

test('functions: calls, busy p50/p95 and blocked count per coroutine, from the tasks that ran it', () => {
  const index = fixtureIndex('block.lanes');
  const s = stats('block.lanes');
  assert.ok(s.functions.length > 0);
  for (const fn of s.functions) {
    // The tasks of that coroutine that ran a step in its file (how the builder places a function).
    const tasks = index.tasks.filter((t) => funcName(t.coro) === fn.func && t.steps.some((st) => st.site?.func === fn.func && st.site.file === fn.file));
    assert.deepEqual([...fn.taskIds].sort((a, b) => a - b), tasks.map((t) => t.id).sort((a, b) => a - b));
    assert.equal(tasks.length, fn.calls);
    assert.equal(fn.busyP50, quantile(tasks.map((t) => t.busyNs), 0.5));
    assert.equal(fn.busyP95, quantile(tasks.map((t) => t.busyNs), 0.95));
    assert.equal(fn.blocked, index.blocks.filter((b) => b.task !== null && fn.taskIds.includes(b.task)).length);
  }
  assert.ok(s.functions.some((f) => f.blocked > 0), 'the fixture blocks the loop from a task');
});

test('gather lines: how the gathered children ended', () => {
  const s = stats('gather.lanes');
  const g = s.creations.filter((c) => c.gathers > 0);
  assert.ok(g.length > 0);
  const index = fixtureIndex('gather.lanes');
  const gathers = index.futures.filter((f) => f.kind === 'gather' && f.site !== null);
  assert.equal(g.reduce((n, c) => n + c.gathers, 0), gathers.length);
  const children = gathers.reduce((n, f) => n + f.children.length, 0);
  assert.equal(g.reduce((n, c) => n + Object.values(c.children).reduce((a, b) => a + (b ?? 0), 0), 0), children);
});

test('quantile is the nearest rank; funcName is the name a frame carries', () => {
  assert.equal(quantile([], 0.5), 0);
  assert.equal(quantile([5], 0.95), 5);
  assert.equal(quantile([4, 1, 3, 2], 0.5), 2);
  assert.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 0.95), 19);
  assert.equal(funcName('Client.fetch'), 'fetch');
  assert.equal(funcName('outer.<locals>.worker'), 'worker');
  assert.equal(funcName('main'), 'main');
});
