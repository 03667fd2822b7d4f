import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixtureFindings } from './helpers.js';

const brief = (name: string) => fixtureFindings(name).map((f) => [f.kind, `${f.file}:${f.line}`, f.taskId, f.durationNs, f.time]);

test('blocked loop: the line where it was stuck, the task or callback that blocked', () => {
  assert.deepEqual(brief('block.lanes'), [
    ['blocked-loop', '/proj/block.py:7', 1, 149_000_000, 1000],
    ['blocked-loop', '/proj/block.py:12', null, 119_900_000, 200_100_000],
  ]);
  const [byTask, byCallback] = fixtureFindings('block.lanes');
  assert.equal(byTask.message, 'event loop blocked for 149 ms by task main (Task-1), stuck in main');
  assert.equal(byCallback.message, 'event loop blocked for 120 ms by callback tick, stuck in tick');
});

test('never-awaited at the warning\'s site; unretrieved exception at the task\'s creation site', () => {
  assert.deepEqual(brief('warnings.lanes'), [
    ['never-awaited', '/proj/warn.py:30', 1, null, 50],
    ['unretrieved-exception', '/proj/warn.py:40', 2, null, 60],
  ]);
  const [never, unretrieved] = fixtureFindings('warnings.lanes');
  assert.equal(never.message, "coroutine 'fetch' was never awaited");
  assert.equal(unretrieved.message, 'exception never retrieved from task boom (Task-2): ValueError: boom');
});

test('pending at exit: where each task waited, on what, since when; shutdown cancellations count', () => {
  assert.deepEqual(brief('pending-exit.lanes'), [
    ['pending-at-exit', '/proj/pend.py:10', 4, 988, 12],
    ['pending-at-exit', '/proj/pend.py:4', 2, 960, 40],
    ['pending-at-exit', '/proj/pend.py:7', 3, 850, 50],
  ]);
  const messages = fixtureFindings('pending-exit.lanes').map((f) => f.message);
  assert.deepEqual(messages, [
    'idle (Task-4) was created but never ran since t=12 ns (988 ns) at exit',
    'worker (Task-2) was still waiting on queue since t=40 ns (960 ns) at exit',
    'sleeper (Task-3) was still waiting on sleep since t=50 ns (850 ns) when the runtime cancelled it at exit',
  ]);
});

test('pending without an exit record: the trace was cut off', () => {
  assert.deepEqual(brief('pending-cut.lanes'), [
    ['pending-at-exit', '/proj/cut.py:10', 1, 490, 20],
    ['pending-at-exit', '/proj/cut.py:4', 2, 470, 40],
  ]);
  for (const f of fixtureFindings('pending-cut.lanes')) assert.match(f.message, /when the trace was cut off \(no exit record/);
});

test('clean traces have no findings', () => {
  for (const name of ['gather.lanes', 'await-task.lanes', 'future-by-task.lanes', 'executor.lanes', 'eager.lanes']) {
    assert.deepEqual(fixtureFindings(name), [], name);
  }
});
