import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync } from 'node:fs';
import { toChromeTrace, type ChromeEvent } from '../../src/exporters/chrome.js';
import { FIXTURES, fixtureIndex } from './helpers.js';

/** The checks Perfetto / chrome://tracing need: fields present, slices in order per track, flows paired. */
function validate(events: ChromeEvent[]): void {
  const lastTs = new Map<number, number>();
  const flows = new Map<number, string[]>();
  for (const e of events) {
    assert.equal(typeof e.name, 'string');
    assert.ok(['X', 'M', 'i', 's', 'f'].includes(e.ph), e.ph);
    assert.equal(typeof e.pid, 'number');
    assert.equal(typeof e.tid, 'number');
    assert.ok(Number.isFinite(e.ts) && e.ts >= 0, `ts of ${e.name}`);
    if (e.ph === 'X') {
      assert.ok(typeof e.dur === 'number' && e.dur >= 0, `dur of ${e.name}`);
      assert.ok(e.ts >= (lastTs.get(e.tid) ?? 0), `X events in time order on track ${e.tid}`);
      lastTs.set(e.tid, e.ts);
    }
    if (e.ph === 'i') assert.ok(e.s === 'g' || e.s === 't');
    if (e.ph === 's' || e.ph === 'f') {
      assert.equal(typeof e.id, 'number');
      if (e.ph === 'f') assert.equal(e.bp, 'e');
      flows.set(e.id!, [...(flows.get(e.id!) ?? []), e.ph]);
    }
  }
  for (const [id, phases] of flows) assert.deepEqual(phases, ['s', 'f'], `flow ${id}`);
}

test('every fixture exports valid Chrome trace JSON', () => {
  for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.lanes'))) {
    const trace = JSON.parse(JSON.stringify(toChromeTrace(fixtureIndex(name))));
    assert.equal(trace.displayTimeUnit, 'ns');
    validate(trace.traceEvents);
  }
});

test('tracks: the event loop, one per task in creation order, one per executor thread', () => {
  const { traceEvents } = toChromeTrace(fixtureIndex('executor.lanes'));
  const names = traceEvents.filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args?.name]);
  assert.deepEqual(names, [[1, 'event loop'], [2, 'main (Task-1)'], [3, 'asyncio_0']]);
  const g = toChromeTrace(fixtureIndex('gather.lanes')).traceEvents;
  assert.deepEqual(g.filter((e) => e.name === 'thread_name').map((e) => e.args?.name), ['event loop', 'main (Task-1)', 'fetch (Task-2)', 'fetch (Task-3)']);
  const sort = g.filter((e) => e.name === 'thread_sort_index').map((e) => e.args?.sort_index);
  assert.deepEqual(sort, [0, 1, 2, 3]);
});

test('steps, waits and scheduling delays are slices with ns precision', () => {
  const { traceEvents } = toChromeTrace(fixtureIndex('await-task.lanes'));
  const child = traceEvents.filter((e) => e.ph === 'X' && e.tid === 3).map((e) => [e.cat, e.name, e.ts, e.dur]);
  assert.deepEqual(child, [
    ['scheduled', 'scheduled', 0.01, 0.02],
    ['step', 'run', 0.03, 0.01],
    ['scheduled', 'scheduled', 0.04, 0.02],
    ['step', 'run', 0.06, 0.01],
    ['wait', 'sleep', 0.07, 0.43],
    ['scheduled', 'scheduled', 0.5, 0.02],
    ['step', 'run', 0.52, 0.01],
  ]);
  const step = traceEvents.find((e) => e.cat === 'step' && e.tid === 3 && e.ts === 0.06)!;
  assert.deepEqual(step.args, { site: 'await_task.py:5', awaited: 'sleep', awaitedId: 5 });
});

test('wake edges: from the resolving task or executor thread to the woken step', () => {
  const flows = (name: string) => toChromeTrace(fixtureIndex(name)).traceEvents.filter((e) => e.cat === 'wake').map((e) => [e.ph, e.tid, e.ts]);
  assert.deepEqual(flows('future-by-task.lanes'), [['s', 3, 0.115], ['f', 2, 0.15], ['s', 2, 0.155], ['f', 4, 0.17]]);
  assert.deepEqual(flows('executor.lanes'), [['s', 3, 0.311], ['f', 2, 0.33]]);
  assert.deepEqual(flows('await-task.lanes'), [['s', 3, 0.529], ['f', 2, 0.6]]);
  assert.deepEqual(flows('gather.lanes'), [['s', 4, 2.079], ['f', 2, 2.2]], 'a gather: from the child that finished last');
});

test('findings are instant events: on the task\'s track, or global', () => {
  const b = toChromeTrace(fixtureIndex('block.lanes')).traceEvents.filter((e) => e.ph === 'i');
  assert.deepEqual(b.map((e) => [e.name, e.s, e.tid, e.args?.location]), [
    ['blocked-loop', 't', 2, '/proj/block.py:7'],
    ['blocked-loop', 'g', 1, '/proj/block.py:12'],
  ]);
  const loop = toChromeTrace(fixtureIndex('block.lanes')).traceEvents.filter((e) => e.tid === 1 && e.ph === 'X').map((e) => [e.cat, e.name]);
  assert.deepEqual(loop, [['blocked', 'blocked loop'], ['callback', 'tick'], ['blocked', 'blocked loop']]);
});
