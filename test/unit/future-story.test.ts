// The futures the timeline draws (model/future-story.ts) and asyncio's own tasks and callbacks (model/internal.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { futureLabel, futureStories, futureValue, resolverText } from '../../src/model/future-story.js';
import { TraceIndex } from '../../src/model/index.js';
import { isAsyncioFile, isInternal, isInternalCallback, isInternalTask } from '../../src/model/internal.js';
import { parseTrace } from '../../src/model/parser.js';
import { buildReport } from '../../src/model/report.js';
import { renderReport } from '../../src/cli/text.js';
import { fixtureIndex } from './helpers.js';

const HEAD = '{"format":"async-lanes","version":1,"runtime":"python","runtimeVersion":"3.11.7","pid":1,"argv":["f.py"],"cwd":"/p","start":null,"blockThresholdNs":100000000}\n';
const trace = (lines: unknown[][]) => new TraceIndex(parseTrace(HEAD + lines.map((l) => JSON.stringify(l)).join('\n') + '\n'));

test('a future resolved by another task: its awaiter and resumption, its resolver, the callback that ran before the resume', () => {
  const index = trace([
    ['site', 1, '/p/f.py', 30, 'main'], ['site', 2, '/p/f.py', 10, 'on_done'], ['site', 3, '/usr/lib/python3.11/asyncio/tasks.py', 764, 'gather.<locals>._done_callback'],
    ['task', 0, 1, null, 'Task-1', 'main', 1, 0],
    ['task', 1, 2, 1, 'resolver', 'resolver', 1, 0],
    ['fut', 1, 20, 'future', 1, 1],
    ['step', 0, 1, 10, 20, 1],
    ['step', 10, 2, 10, null, 1],
    ['set', 5, 20, 'task', 2, 'result', "'Operation succeeded'"],
    ['end', 5, 2, 'ok', '', null],
    ['cb', 5, 3, 3],
    ['cb', 5, 3, 2],
    ['step', 10, 1, 10, null, 1],
    ['cb', 100, 3, 2, 'later'],
    ['end', 10, 1, 'ok', '', null],
    ['exit', 1, 'exit', 0],
  ]);
  const [st] = futureStories(index);
  assert.equal(st.future.id, 20);
  assert.equal(st.own, true, 'a hand-off between tasks gets its own row');
  assert.deepEqual(st.awaits, [{ task: 1, t: 12, resumed: 42 }]);
  assert.equal(st.resolvedAt, 17);
  assert.equal(resolverText(index, st), 'resolver');
  assert.equal(futureValue(st, 'python'), "'Operation succeeded'");
  assert.equal(futureLabel(st.future, 'python'), 'Future (line 30)');
  // asyncio's own callback (gather's) is not one of the program's; the callback after the resume is not either.
  assert.deepEqual(st.callbacks.map((c) => c.name), ['on_done']);
});

test('which futures get a row: a hand-off between tasks, several or no awaiters; folded otherwise; sleeps not drawn', () => {
  const gather = futureStories(fixtureIndex('gather.lanes'));
  assert.deepEqual(gather.map((s) => [s.future.kind, s.own]), [['gather', false]], 'sleeps are not drawn; the gather is folded');
  assert.equal(gather[0].resolvedAt, 2080);
  assert.equal(gather[0].lastChild, 3, 'the child that ended last');
  assert.equal(resolverText(fixtureIndex('gather.lanes'), gather[0]), 'its last child, fetch');
  const exe = fixtureIndex('executor.lanes');
  const [e] = futureStories(exe);
  assert.deepEqual([e.future.kind, e.own, e.work?.fn], ['executor', false, 'blocking_io']);
  assert.equal(resolverText(exe, e), 'another thread (blocking_io)');
  assert.equal(futureValue(e, 'python'), "'data'");
  assert.deepEqual(e.callbacks, [], 'on_done ran after main resumed: not a callback of its resolution');
  const byTask = futureStories(fixtureIndex('future-by-task.lanes'));
  assert.deepEqual(byTask.map((s) => [s.future.id, s.own]), [[20, true]], 'the lock/event and sleep futures are not drawn');

  const twoAwaiters = trace([
    ['task', 0, 1, null, 'a', 'a', null, 0], ['task', 0, 2, null, 'b', 'b', null, 0],
    ['fut', 1, 9, 'gather', 1, null, []],
    ['step', 0, 1, 5, 9, null], ['step', 0, 2, 5, 9, null],
    ['set', 50, 9, 'callback', null, 'result', '[]'],
  ]);
  assert.equal(futureStories(twoAwaiters)[0].own, true, 'a gather two tasks awaited gets a row');
  const timerOnly = trace([
    ['task', 0, 1, null, 'a', 'a', null, 0],
    ['fut', 1, 9, 'future', 1, null],
    ['step', 0, 1, 5, 9, null],
    ['set', 50, 9, 'timer'],
  ]);
  assert.deepEqual(futureStories(timerOnly), [], 'a future a timer resolved is only a wait: not drawn');
  const unset = trace([
    ['task', 0, 1, null, 'a', 'a', null, 0], ['task', 0, 2, 1, 'b', 'b', null, 0], ['task', 0, 3, 1, 'c', 'c', null, 0],
    ['fut', 1, 9, 'gather', 1, null, [2, 3]], ['step', 0, 1, 5, 9, null],
    ['end', 20, 2, 'ok', '', null], ['end', 30, 3, 'ok', '', null],
  ]);
  const g = futureStories(unset)[0];
  assert.deepEqual([g.state, g.resolvedAt, resolverText(unset, g)], ['result', 51, 'its last child, c'], 'an unset gather resolves with its last child');
  const pending = trace([['task', 0, 1, null, 'a', 'a', null, 0], ['fut', 1, 9, 'future', 1, null], ['step', 0, 1, 5, 9, null]]);
  assert.deepEqual(futureStories(pending), [], 'a pending future one task awaits: its lane shows the wait');
  const byCallback = trace([['task', 0, 1, null, 'a', 'a', null, 0], ['step', 0, 1, 5, 9, null, 'future'], ['set', 50, 9, 'callback', null, 'result', '<Response>']]);
  assert.deepEqual(futureStories(byCallback), [], 'a library\'s future resolved by a callback (a server makes one per read): not drawn');
  const own = trace([['task', 0, 1, null, 'a', 'a', null, 0], ['fut', 1, 9, 'future', 1, null], ['step', 0, 1, 5, 9, null], ['set', 50, 9, 'task', 1]]);
  assert.deepEqual(futureStories(own), [], 'a future resolved by the task that awaits it is no hand-off');
  const unawaited = trace([['task', 0, 1, null, 'a', 'a', null, 0], ['fut', 1, 9, 'future', 1, null], ['step', 0, 1, 5, null, null]]);
  assert.equal(futureStories(unawaited)[0].own, true, 'a future no task awaited gets a row');
});

test('asyncio internals: asyncio.run\'s shutdown tasks, a parentless task in asyncio\'s code, callbacks defined in asyncio', () => {
  for (const f of ['/usr/lib/python3.11/asyncio/base_events.py', '/root/.pyenv/versions/3.11.7/lib/python3.11/asyncio/tasks.py', 'C:\\Python311\\Lib\\asyncio\\futures.py', '/opt/py/lib/python3.13t/asyncio/runners.py']) {
    assert.equal(isAsyncioFile(f), true, f);
  }
  for (const f of ['/p/asyncio/tasks.py', '/p/app.py', '/usr/lib/python3.11/asyncio_helpers.py', '/usr/lib/python3.11/site-packages/aiohttp/web.py']) assert.equal(isAsyncioFile(f), false, f);
  const site = (file: string) => ({ id: 0, file, line: 1, func: 'f' });
  assert.equal(isInternalTask({ coro: 'BaseEventLoop.shutdown_asyncgens', parent: null }, site('/p/app.py')), true);
  assert.equal(isInternalTask({ coro: 'BaseEventLoop.shutdown_default_executor', parent: 1 }, null), true);
  assert.equal(isInternalTask({ coro: 'Queue.get', parent: null }, site('/usr/lib/python3.11/asyncio/queues.py')), true);
  assert.equal(isInternalTask({ coro: 'Queue.get', parent: 1 }, site('/usr/lib/python3.11/asyncio/queues.py')), false, 'the program made it');
  assert.equal(isInternalTask({ coro: 'main', parent: null }, site('/p/app.py')), false);
  assert.equal(isInternalCallback({ site: site('/usr/lib/python3.11/asyncio/futures.py') }), true);
  assert.equal(isInternalCallback({ site: site('/p/app.py') }), false);
  assert.equal(isInternalCallback({ site: null }), false);

  const index = trace([
    ['site', 1, '/p/f.py', 46, '<module>'], ['site', 2, '/usr/lib/python3.11/asyncio/base_events.py', 539, 'BaseEventLoop.shutdown_asyncgens'],
    ['task', 0, 1, null, 'Task-1', 'main', 1, 0], ['step', 0, 1, 5, null, 1], ['end', 5, 1, 'ok', '', null],
    ['task', 10, 2, null, 'Task-2', 'BaseEventLoop.shutdown_asyncgens', 1, 0], ['step', 0, 2, 5, null, 2], ['end', 5, 2, 'ok', '', null],
  ]);
  assert.deepEqual(index.tasks.map((t) => isInternal(index, t)), [false, true]);
});

test('the text report lists asyncio\'s own tasks last, under "asyncio internals", and report --json marks them', () => {
  const index = trace([
    ['site', 1, '/p/f.py', 46, '<module>'], ['site', 2, '/usr/lib/python3.11/asyncio/base_events.py', 539, 'BaseEventLoop.shutdown_asyncgens'],
    ['task', 0, 1, null, 'Task-1', 'main', 1, 0],
    ['task', 1, 2, null, 'Task-2', 'BaseEventLoop.shutdown_asyncgens', 1, 0], ['step', 0, 2, 5, null, 2], ['end', 5, 2, 'ok', '', null],
    ['task', 1, 3, 1, 'Task-3', 'worker', 1, 0],
    ['step', 0, 1, 5, null, 1], ['end', 5, 1, 'ok', '', null], ['step', 0, 3, 5, null, 1], ['end', 5, 3, 'ok', '', null],
    ['exit', 1, 'exit', 0],
  ]);
  const names = renderReport(index, []).split('\n').slice(3, 7).map((l) => l.slice(4, 52).trim().split('  ')[0]);
  assert.deepEqual(names, ['main (Task-1)', 'worker (Task-3)', 'asyncio internals', 'BaseEventLoop.shutdown_asyncgens (Task-2)']);
  assert.deepEqual(buildReport(index).tasks.map((t) => [t.id, t.internal]), [[1, false], [2, true], [3, false]]);
});
