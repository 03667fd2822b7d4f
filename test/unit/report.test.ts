import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync } from 'node:fs';
import { buildReport } from '../../src/model/report.js';
import { displayPath, formatDuration } from '../../src/model/format.js';
import { FIXTURES, fixtureIndex } from './helpers.js';

test('the report JSON has exactly the documented fields', () => {
  for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.lanes'))) {
    const report = JSON.parse(JSON.stringify(buildReport(fixtureIndex(name))));
    assert.deepEqual(Object.keys(report), ['tasks', 'futures', 'callbacks', 'findings', 'work', 'loops', 'meta']);
    for (const t of report.tasks) {
      assert.deepEqual(Object.keys(t), [
        'id', 'name', 'coroutine', 'parent', 'state', 'result', 'start', 'end', 'busyNs', 'idleNs', 'scheduledNs', 'steps',
        'file', 'line', 'waitNsByKind', 'error', 'cancelledBy', 'loop', 'awaits', 'wakers', 'internal',
      ]);
      assert.ok(['ok', 'error', 'cancelled', 'pending'].includes(t.state));
      for (const a of t.awaits) assert.deepEqual(Object.keys(a), ['file', 'line', 'count', 'totalNs', 'maxNs', 'kind']);
      for (const w of t.wakers) assert.deepEqual(Object.keys(w), ['by', 'via', 'count']);
    }
    for (const f of report.futures) {
      assert.deepEqual(Object.keys(f), ['id', 'kind', 'state', 'resolvedBy', 'file', 'line', 'via', 'owner', 'created', 'resolved', 'children']);
    }
    for (const c of report.callbacks) assert.deepEqual(Object.keys(c), ['name', 'start', 'durationNs', 'file', 'line']);
    for (const f of report.findings) assert.deepEqual(Object.keys(f), ['kind', 'file', 'line', 'message', 'durationNs', 'taskId']);
    for (const w of report.work) assert.deepEqual(Object.keys(w), ['thread', 'fn', 'start', 'durationNs', 'future', 'file', 'line']);
    assert.deepEqual(Object.keys(report.meta), ['runtime', 'runtimeVersion', 'argv', 'cwd', 'start', 'exit', 'truncated', 'skipped', 'endNs']);
  }
});

test('report values: a task, a future, work, meta', () => {
  const r = buildReport(fixtureIndex('future-by-task.lanes'));
  assert.deepEqual(r.tasks[2], {
    id: 3, name: 'Task-3', coroutine: 'waiter', parent: 1, state: 'cancelled', result: '', start: 9, end: 175,
    busyNs: 10, idleNs: 110, scheduledNs: 46, steps: 2, file: '/proj/fut.py', line: 12, waitNsByKind: { lock: 110 },
    error: null, cancelledBy: 1, loop: 0,
    awaits: [{ file: '/proj/fut.py', line: 7, count: 1, totalNs: 125, maxNs: 125, kind: 'lock' }],
    wakers: [{ by: 1, via: 'task', count: 1 }],
    internal: false,
  });
  assert.deepEqual(r.futures.find((f) => f.id === 20), {
    id: 20, kind: 'future', state: 'result', resolvedBy: 2, file: '/proj/fut.py', line: 10, via: 'task', owner: 1, created: 5, resolved: 115, children: [],
  });
  assert.deepEqual(r.meta, {
    runtime: 'python', runtimeVersion: '3.12.3', argv: ['fut.py'], cwd: '/proj', start: '2026-11-21T19:00:00.000000Z',
    exit: { how: 'exit', detail: 0 }, truncated: false, skipped: 0, endNs: 200,
  });
  const e = buildReport(fixtureIndex('executor.lanes'));
  assert.deepEqual(e.work, [{ thread: 1, fn: 'blocking_io', start: 12, durationNs: 300, future: 30, file: '/proj/exe.py', line: 3 }]);
  assert.equal(e.tasks[0].result, "'data'");
  const w = buildReport(fixtureIndex('warnings.lanes'));
  assert.deepEqual([w.tasks[1].state, w.tasks[1].result, w.tasks[1].error], ['error', 'ValueError: boom', 'ValueError: boom']);
});

test('format helpers', () => {
  assert.deepEqual([0, 999, 1000, 12_345, 4_560_000, 1_200_000_000, 123_456_789_000].map(formatDuration), [
    '0 ns', '999 ns', '1.00 µs', '12.3 µs', '4.56 ms', '1.20 s', '123 s',
  ]);
  assert.equal(displayPath('/proj/app.py', '/proj'), 'app.py');
  assert.equal(displayPath('/proj/sub/app.py', '/proj/'), 'sub/app.py');
  assert.equal(displayPath('/project/app.py', '/proj'), '/project/app.py');
  assert.equal(displayPath('/usr/lib/x.py', '/proj'), '/usr/lib/x.py');
  assert.equal(displayPath('C:\\proj\\app.py', 'C:\\proj'), 'app.py');
  assert.equal(displayPath('/proj/app.py', null), '/proj/app.py');
});
