import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TraceIndex, type TaskInfo } from '../../src/model/index.js';
import { parseTrace } from '../../src/model/parser.js';
import { fixtureIndex, fixtureText } from './helpers.js';

/** [busy, idle, scheduled] — the three always add up to the task's lifetime. */
function split(t: TaskInfo | undefined): [number, number, number] {
  assert.ok(t);
  return [t.busyNs, t.idleNs, t.scheduledNs];
}

function assertAddsUp(index: TraceIndex): void {
  for (const t of index.tasks) {
    assert.equal(t.busyNs + t.idleNs + t.scheduledNs, (t.end ?? index.meta.endNs) - t.start, `task ${t.id}`);
  }
}

test('gather: parent idle on the gather until its set time, children idle on their sleeps', () => {
  const index = fixtureIndex('gather.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(1)), [140, 1930, 170]);
  assert.deepEqual(index.task(1)?.idleByKind, { gather: 1930 });
  assert.deepEqual(split(index.task(2)), [70, 750, 200]);
  assert.deepEqual(split(index.task(3)), [80, 1700, 190]);
  assert.deepEqual(index.task(3)?.idleByKind, { sleep: 1700 });
  const main = index.task(1)!;
  assert.deepEqual(main.children, [2, 3]);
  assert.equal(main.site?.line, 30);
  assert.deepEqual(main.awaits.map((a) => [a.site?.line, a.count, a.totalNs, a.maxNs, a.kinds]), [[22, 1, 2050, 2050, ['gather']]]);
  assert.deepEqual(main.wakers, [{ by: null, via: 'callback', count: 1 }]);
  assert.deepEqual(index.future(10)?.children, [2, 3]);
  assert.equal(index.loops[0].events.length, 2);
});

test('gather without a set record resolves at its last child\'s end', () => {
  const text = fixtureText('gather.lanes').replace(/^\["set",0,10,.*\n/m, '');
  const index = new TraceIndex(parseTrace(text));
  assert.equal(index.data.sets.length, 2);
  assert.deepEqual(split(index.task(1)), [140, 1930, 170]);
  assert.deepEqual(index.task(1)?.wakers, [{ by: 3, via: 'task', count: 1 }]);
});

test('task awaiting a task, bare yield, sleep', () => {
  const index = fixtureIndex('await-task.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(1)), [30, 505, 75]);
  assert.deepEqual(index.task(1)?.idleByKind, { task: 505 });
  assert.deepEqual(index.task(1)?.wakers, [{ by: 2, via: 'task', count: 1 }]);
  const child = index.task(2)!;
  assert.deepEqual(split(child), [30, 430, 60]);
  assert.deepEqual(child.steps.map((s) => [s.start, s.dur, s.awaited, s.awaitKind, s.idleNs, s.scheduledNs, s.site?.line]), [
    [30, 10, null, 'yield', 0, 20, 4],
    [60, 10, 5, 'sleep', 430, 20, 5],
    [520, 10, null, null, 0, 0, 6],
  ]);
  assert.deepEqual(child.wakers, [{ by: null, via: 'yield', count: 1 }, { by: null, via: 'timer', count: 1 }]);
  assert.equal(child.result, '42');
  assert.equal(child.state, 'ok');
});

test('a future resolved by another task; a task cancelled by another task', () => {
  const index = fixtureIndex('future-by-task.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(1)), [20, 105, 35]);
  assert.deepEqual(index.task(1)?.wakers, [{ by: 2, via: 'task', count: 1 }]);
  assert.deepEqual(split(index.task(2)), [20, 70, 22]);
  const waiter = index.task(3)!;
  assert.deepEqual(split(waiter), [10, 110, 46]);
  assert.deepEqual(waiter.idleByKind, { lock: 110 });
  assert.equal(waiter.state, 'cancelled');
  assert.equal(waiter.cancelledBy, 1);
  const fut = index.future(20)!;
  assert.deepEqual([fut.kind, fut.state, fut.owner, fut.resolved, fut.resolvedBy, fut.via, fut.text, fut.site?.line], ['future', 'result', 1, 115, 2, 'task', "'hello'", 10]);
  assert.equal(index.future(22)?.waitKind, 'lock');
});

test('executor: idle on the executor until the worker thread resolved it', () => {
  const index = fixtureIndex('executor.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(1)), [20, 305, 15]);
  assert.deepEqual(index.task(1)?.idleByKind, { executor: 305 });
  assert.deepEqual(index.task(1)?.wakers, [{ by: null, via: 'thread', count: 1 }]);
  assert.deepEqual(index.threads.map((t) => [t.id, t.name, t.work.length]), [[1, 'asyncio_0', 1]]);
  assert.deepEqual(index.work.map((w) => [w.fn, w.start, w.dur, w.future, w.site?.line]), [['blocking_io', 12, 300, 30, 3]]);
  assert.deepEqual(index.callbacks.map((c) => [c.name, c.start, c.dur, c.site?.line]), [['on_done', 350, 5, 15]]);
});

test('eager task: nested first step, name given later, record written after its step', () => {
  const index = fixtureIndex('eager.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(1)), [110, 420, 10]);
  const child = index.task(2)!;
  assert.deepEqual(split(child), [30, 470, 10]);
  assert.equal(child.name, 'Task-2');
  assert.equal(child.parent, 1);
  assert.equal(child.start, 10);
  assert.deepEqual(index.tasks.map((t) => t.id), [1, 2]);
});

test('pending and shutdown-cancelled tasks run to the trace end / their cancellation', () => {
  const index = fixtureIndex('pending-exit.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(2)), [10, 960, 20]);
  assert.equal(index.task(2)?.state, 'pending');
  assert.deepEqual(split(index.task(3)), [15, 850, 39]);
  assert.equal(index.task(3)?.cancelledBy, 'shutdown');
  assert.deepEqual(split(index.task(4)), [0, 0, 988], 'created, never ran: scheduled until the end');
  assert.equal(index.meta.exit?.how, 'exit');
});

test('blocks name their task or callback and keep the stack', () => {
  const index = fixtureIndex('block.lanes');
  assert.deepEqual(index.blocks.map((b) => [b.start, b.dur, b.task, b.callback, b.sites.map((s) => s.line)]), [
    [1000, 149_000_000, 1, null, [7, 20]],
    [200_100_000, 119_900_000, null, 'tick', [12]],
  ]);
});

test('ids referenced but never defined are tolerated', () => {
  const text =
    '{"format":"async-lanes","version":1,"runtime":"python","argv":[],"cwd":"/p","start":null}\n' +
    '["step",5,9,10,77,3]\n["step",100,9,5,null,null]\n["end",5,9,"error","KeyError: 1",4]\n["set",0,88,"result",9,null,"1"]\n';
  const index = new TraceIndex(parseTrace(text));
  const t = index.task(9)!;
  assert.equal(t.defined, false);
  assert.equal(t.state, 'error');
  assert.equal(t.error, 'KeyError: 1');
  assert.equal(t.raiseSite, null);
  assert.deepEqual(split(t), [15, 90, 0], 'unknown resolution: the whole gap is idle');
  assert.deepEqual(t.idleByKind, { other: 90 });
  assert.deepEqual([index.future(88)?.resolvedBy, index.future(88)?.via], [9, 'task']);
});

test('a crafted chain of 20000 nested gathers does not overflow the stack', () => {
  const lines = ['{"format":"async-lanes","version":1,"runtime":"python","argv":[],"cwd":null,"start":null}', '["task",0,1,null,"T","main",null,0]'];
  for (let i = 0; i < 20000; i++) lines.push(`["fut",1,${100 + i},"gather",1,null,[${101 + i}]]`);
  lines.push('["step",1,1,5,100,null]', '["step",10,1,5,null,null]');
  const index = new TraceIndex(parseTrace(lines.join('\n') + '\n'));
  assert.equal(index.task(1)?.steps[0].awaitKind, 'gather');
  assert.equal(index.task(1)?.steps[0].wake, null);
});
