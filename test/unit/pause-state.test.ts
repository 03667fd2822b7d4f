// Debug-session pauses (issue 16): every task's state at an instant (model/pause-state.ts) on recorded fixtures, the
// Tasks tree's order, reading the recorder's answer however a debugger quotes it, the environment a debugger's launch
// configuration gets (src/launch), and the Node recorder's pause flush in a real process: the records are in the file
// when it returns.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, test } from 'node:test';
import { debugLaunchEnv, LaunchError, recorderPaths, type RecordOptions } from '../../src/launch/launch.js';
import { TraceIndex } from '../../src/model/index.js';
import { parseTrace } from '../../src/model/parser.js';
import { parsePauseAnswer, pauseInstant, pauseTree, tasksAt, type TaskAtInstant } from '../../src/model/pause-state.js';
import { fixtureIndex, ROOT } from './helpers.js';

const byId = (states: TaskAtInstant[]) => new Map(states.map((s) => [s.id, s]));

test('gather.lanes: before the children ran, they are scheduled since their creation; not yet created: not listed', () => {
  const at = byId(tasksAt(fixtureIndex('gather.lanes'), 105));
  assert.deepEqual([...at.keys()], [1, 2]);
  assert.equal(at.get(1)!.state, 'running');
  assert.equal(at.get(1)!.since, 50);
  assert.deepEqual({ state: at.get(2)!.state, since: at.get(2)!.since }, { state: 'scheduled', since: 100 });
});

test('gather.lanes: waiting on what, since when, at which line; woken but not run: scheduled; ended: finished', () => {
  const index = fixtureIndex('gather.lanes');
  const at = byId(tasksAt(index, 1050));
  const main = at.get(1)!;
  assert.deepEqual({ state: main.state, since: main.since, line: main.site?.line, awaited: main.awaited, awaits: main.awaitsTasks }, { state: 'waiting', since: 150, line: 22, awaited: 'gather of 2', awaits: [2, 3] });
  const woken = at.get(2)!;
  assert.deepEqual({ state: woken.state, since: woken.since, line: woken.site?.line, awaited: woken.awaited }, { state: 'scheduled', since: 1000, line: 12, awaited: 'sleep' });
  const sleeping = at.get(3)!;
  assert.deepEqual({ state: sleeping.state, since: sleeping.since, line: sleeping.site?.line }, { state: 'waiting', since: 300, line: 12 });
  const later = byId(tasksAt(index, 1500));
  assert.deepEqual({ state: later.get(2)!.state, since: later.get(2)!.since, outcome: later.get(2)!.outcome }, { state: 'finished', since: 1120, outcome: 'ok' });
  assert.equal(later.get(3)!.state, 'waiting');
});

test('a debugger pause: the recorder\'s tasks in a step are running there, whatever the trace says', () => {
  const at = byId(tasksAt(fixtureIndex('gather.lanes'), 1050, [{ id: 3, since: 1040 }, { id: 1, since: null }]));
  assert.deepEqual({ state: at.get(3)!.state, since: at.get(3)!.since }, { state: 'running', since: 1040 });
  assert.deepEqual({ state: at.get(1)!.state, since: at.get(1)!.since }, { state: 'running', since: 150 }, 'its step began after its last recorded one ended');
});

test('await-task.lanes: awaiting a task names it (the await chain); a bare yield is scheduled; woken by the task\'s end', () => {
  const index = fixtureIndex('await-task.lanes');
  const at = byId(tasksAt(index, 300));
  assert.deepEqual({ state: at.get(1)!.state, awaited: at.get(1)!.awaited, awaits: at.get(1)!.awaitsTasks, line: at.get(1)!.site?.line }, { state: 'waiting', awaited: 'task child (Task-2)', awaits: [2], line: 11 });
  assert.deepEqual({ state: at.get(2)!.state, since: at.get(2)!.since, awaited: at.get(2)!.awaited }, { state: 'waiting', since: 70, awaited: 'sleep' });
  const yielded = byId(tasksAt(index, 45)).get(2)!;
  assert.deepEqual({ state: yielded.state, since: yielded.since, awaited: yielded.awaited, line: yielded.site?.line }, { state: 'scheduled', since: 40, awaited: null, line: 4 });
  const after = byId(tasksAt(index, 540));
  assert.equal(after.get(2)!.state, 'finished');
  assert.deepEqual({ state: after.get(1)!.state, since: after.get(1)!.since }, { state: 'scheduled', since: 530 });
});

test('the tree: each task under its parent; the task at the breakpoint and its ancestors first, then by state', () => {
  const index = fixtureIndex('gather.lanes');
  const states = tasksAt(index, 1050);
  assert.deepEqual([...pauseTree(states, index, null)], [[null, [1]], [1, [3, 2]]], 'waiting (Task-3) before scheduled (Task-2)');
  assert.deepEqual(pauseTree(states, index, 2).get(1), [2, 3], 'the one at the breakpoint first');
  const onlyChildren = states.filter((s) => s.id !== 1);
  assert.deepEqual([...pauseTree(onlyChildren, index, null)], [[null, [3, 2]]], 'a task whose parent is not listed is a root');
});

test('the recorder\'s answer, however the debugger quoted it', () => {
  const token = 'async-lanes-pause:t=123456;run=7@120000,3@100;file=%2Ftmp%2Fa%20b%27s.lanes';
  const want = { t: 123456, running: [{ id: 7, since: 120000 }, { id: 3, since: 100 }], file: "/tmp/a b's.lanes" };
  assert.deepEqual(parsePauseAnswer(`'${token}'`), want, 'js-debug');
  assert.deepEqual(parsePauseAnswer(`"${token}"`), want);
  assert.deepEqual(parsePauseAnswer('async-lanes-pause:t=5;run=;file=x.lanes'), { t: 5, running: [], file: 'x.lanes' });
  assert.equal(parsePauseAnswer("'not recorded'"), null);
  assert.equal(parsePauseAnswer('ReferenceError: __async_lanes is not defined'), null);
});

test('the pause instant: when the debugger said it stopped, between the last record and the flush', () => {
  const start = '2026-12-03T07:00:00.000Z';
  const at = (ms: number) => Date.parse(start) + ms;
  assert.equal(pauseInstant(4_900e6, at(100), start, 95e6), 100e6, 'the stopped event, not the flush seconds later');
  assert.equal(pauseInstant(4_900e6, at(50), start, 95e6), 95e6, 'never before what the program recorded');
  assert.equal(pauseInstant(4_900e6, at(6_000), start, 95e6), 4_900e6, 'never after the flush (another clock)');
  assert.equal(pauseInstant(4_900e6, at(100), null, 95e6), 4_900e6, 'no start in the header: the flush\'s time');
});

const options = (env: NodeJS.ProcessEnv, traceFile = '/ws/.async-lanes/app.lanes'): RecordOptions => ({ traceFile, blockThresholdMs: 50, packageRoot: ROOT, env, cwd: '/ws' });

test('a Node launch configuration gets the recorder added to its environment, the user\'s NODE_OPTIONS kept after it', () => {
  const env = debugLaunchEnv({ type: 'pwa-node', request: 'launch', program: '/ws/app.js' }, options({ NODE_OPTIONS: '--max-old-space-size=100', PATH: '/bin' }));
  assert.match(env.NODE_OPTIONS, /^--require \S+preload\.js --max-old-space-size=100$/);
  assert.equal(env.ASYNC_LANES_OUT, '/ws/.async-lanes/app.lanes');
  assert.equal(env.ASYNC_LANES_BLOCK_MS, '50');
  assert.equal(env.ASYNC_LANES_DEBUGGER, '1');
  assert.equal(env.PATH, undefined, 'only what it adds: the debugger merges it into the environment');
});

test('a Python (debugpy) launch configuration: the start-up folder first on PYTHONPATH, the user\'s given back by the recorder', () => {
  const env = debugLaunchEnv({ type: 'debugpy', request: 'launch', program: '/ws/app.py' }, options({ PYTHONPATH: '/mine', PATH: '/bin' }));
  assert.equal(env.PYTHONPATH, `${recorderPaths(ROOT).pythonAutostart}${delimiter}/mine`);
  assert.ok(existsSync(join(recorderPaths(ROOT).pythonAutostart, 'sitecustomize.py')));
  assert.deepEqual(JSON.parse(env.ASYNC_LANES_RESTORE_ENV), { PYTHONPATH: '/mine' });
  assert.equal(env.ASYNC_LANES_OUT, '/ws/.async-lanes/app.lanes');
  assert.equal(env.ASYNC_LANES_BLOCK_MS, '50');
  assert.equal(env.ASYNC_LANES_DEBUGGER, '1');
  assert.equal(env.PATH, undefined);
  const bare = debugLaunchEnv({ type: 'python', request: 'launch', program: '/ws/app.py' }, options({}));
  assert.equal(bare.PYTHONPATH, recorderPaths(ROOT).pythonAutostart);
  assert.deepEqual(JSON.parse(bare.ASYNC_LANES_RESTORE_ENV), { PYTHONPATH: null });
});

test('attach configurations and other debuggers: refused with a message (the session then runs unrecorded)', () => {
  for (const type of ['node', 'debugpy']) {
    assert.throws(() => debugLaunchEnv({ type, request: 'attach' }, options({})), (e: Error) => e instanceof LaunchError && /attach configuration runs without recording/.test(e.message));
  }
  assert.throws(() => debugLaunchEnv({ type: 'cppdbg', request: 'launch' }, options({})), (e: Error) => e instanceof LaunchError && /a "cppdbg" session runs without recording/.test(e.message));
});

const dir = mkdtempSync(join(tmpdir(), 'lanes-pause-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** This node and Node 22, 24 and 26 (scripts/setup-node-versions.sh installs them), the versions the recorder
 * supports under a debugger too. */
const NODES: [string, string][] = [[process.version, process.execPath], ...execFileSync('bash', [join(ROOT, 'scripts', 'setup-node-versions.sh')], { encoding: 'utf8', timeout: 600_000 })
  .trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string])];

for (const [version, node] of NODES) test(`the Node recorder's pause flush (${version}): the records are in the file when it returns; it names the tasks in a step; the paused step is no blocked loop`, () => {
  const trace = join(dir, `paused-${version}.lanes`);
  const program = join(dir, `paused-${version}.js`);
  // Called within the recorder's 100 ms timer: without the flush, the sleeping tasks' records would still be buffered.
  writeFileSync(program, `
const { setTimeout: sleep } = require('node:timers/promises');
const { readFileSync } = require('node:fs');
async function sleeper(ms) { await sleep(ms); }
const spin = (ms) => { for (const end = Date.now() + ms; Date.now() < end; ); };
async function inspect() {
  const answer = globalThis.__async_lanes.p();
  process.stdout.write(JSON.stringify({ answer, text: readFileSync(process.env.ASYNC_LANES_OUT, 'utf8') }));
  spin(120); // as long as a person looks at the pause
}
async function busy() { spin(120); }
async function main() { const a = sleeper(300), b = sleeper(400); await inspect(); await Promise.all([a, b]); await busy(); }
main();
`);
  const env = { ...process.env, ...debugLaunchEnv({ type: 'node', request: 'launch', program }, { ...options(process.env, trace), cwd: dir }) };
  const out = JSON.parse(execFileSync(node, [program], { env, encoding: 'utf8', timeout: 30_000 })) as { answer: string; text: string };
  const pause = parsePauseAnswer(out.answer);
  assert.ok(pause, out.answer);
  assert.equal(pause.file, trace);
  const index = new TraceIndex(parseTrace(out.text));
  const named = (coro: string) => index.tasks.filter((t) => t.coro === coro).map((t) => t.id);
  assert.deepEqual(pause.running.map((r) => r.id), [...named('inspect'), ...named('main')], 'inspect, called by main: both in a step');
  const at = tasksAt(index, pause.t, pause.running);
  const sleepers = at.filter((s) => named('sleeper').includes(s.id));
  assert.equal(sleepers.length, 2, out.text);
  for (const s of sleepers) assert.deepEqual({ state: s.state, awaited: s.awaited, line: s.site?.line }, { state: 'waiting', awaited: 'a promise', line: 4 }, 'its kind is known when it resolves');
  const whole = new TraceIndex(parseTrace(readFileSync(trace, 'utf8')));
  const busy = whole.tasks.find((t) => t.coro === 'busy')!;
  assert.ok(whole.blocks.some((b) => b.task === busy.id), 'the step that spun without a pause blocked the loop (threshold 50 ms)');
  assert.deepEqual(whole.blocks.filter((b) => b.start <= pause.t && pause.t <= b.start + b.dur), [], 'the paused one did not');
});
