/**
 * The Python recorder's writer process formats what the program hands it; these checks feed it records directly,
 * in the orders a race between threads can produce, which a whole program run meets too rarely to test.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { RECORDER_PATH } from './lib/run.js';

/** The NDJSON the writer makes of chunks of records (each a Python literal), times in ns from 0. */
function format(...chunks: string[]): unknown[][] {
  const code = [
    'import sys',
    'from async_lanes._writer import Formatter',
    'f = Formatter(0, 1)',
    ...chunks.map((c) => 'sys.stdout.write(f.format(' + c + ') + "\\n")'),
  ].join('\n');
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: RECORDER_PATH } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as unknown[]);
}

test('the exit stays the last record when a thread appends after it or timed a record after it', () => {
  const kinds = (rs: unknown[][]) => rs.map((r) => r[0]).filter((k) => k !== 'clock');
  // a daemon thread fetched the append before recording stopped and read the clock after the exit's time
  assert.deepEqual(
    kinds(format("[('loop', 5, 1, 'start', 2), ('exit', 10, 'exit', 0), ('loop', 12, 1, 'stop', 2)]")),
    ['loop', 'exit'],
  );
  // the same thread's record appended before the exit, timed after it
  assert.deepEqual(
    kinds(format("[('loop', 5, 1, 'start', 2), ('loop', 12, 1, 'stop', 2), ('exit', 10, 'exit', 0)]")),
    ['loop', 'exit'],
  );
  // or appended it after the exit's chunk was handed over
  assert.deepEqual(
    kinds(format("[('loop', 5, 1, 'start', 2), ('exit', 10, 'exit', 0)]", "[('loop', 12, 1, 'stop', 2)]")),
    ['loop', 'exit'],
  );
  // nothing is lost before it: a record timed at the exit's instant stays
  assert.deepEqual(
    kinds(format("[('loop', 10, 1, 'stop', 2), ('exit', 10, 'exit', 0)]")),
    ['loop', 'exit'],
  );
});

test("a task's default name sent as its number N is written as the string `Task-N` would be", () => {
  const names = (rs: unknown[][]) => rs.filter((r) => r[0] === 'task').map((r) => r[4]);
  // (the C accelerator reads a default name from the task without formatting it: 3.13+)
  const task = (name: string) => `('task', 1, 7, None, ${name}, 'job', None, 0, 0)`;
  assert.deepEqual(names(format(`[${task('12')}]`)), names(format(`[${task("'Task-12'")}]`)));
  assert.deepEqual(names(format(`[${task('12')}]`)), [12]);
  // beyond 15 digits the name stays a string, as `Task-N` does
  assert.deepEqual(names(format(`[${task('10**16')}]`)), ['Task-10000000000000000']);
});
