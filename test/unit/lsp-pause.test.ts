// A debug session's recording (issue 17): the program stood 5 s at a breakpoint in a step of main. The recorder
// writes no block record for a step a pause fell in, so that step, longer than the block threshold without a block,
// is the pause: the language server's busy and wait figures leave its span out (main's busy, the worker's wait and
// the wait of its sleep line). The same trace with a block record for that step is a blocked loop: figures unchanged.
// And a real Node recording under the debugger's environment, stopped (the pause flush, then 400 ms) in one step.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { debugLaunchEnv } from '../../src/launch/launch.js';
import { codeLenses, hover, indexByFile } from '../../src/server/insights.js';
import { loadTrace, type LoadedTrace } from '../../src/server/loaded-trace.js';
import { ROOT } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lanes-lsp-pause-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const APP = '/srv/app/app.py';
const MS = 1e6;
const PAUSE = 5000 * MS;

/** Records with absolute times (element 1), written with deltas as the recorders do. */
function trace(blocked: boolean): string {
  const header = { format: 'async-lanes', version: 1, runtime: 'python', runtimeVersion: '3.12.0', pid: 1, argv: ['app.py'], cwd: '/srv/app', start: '2026-12-03T12:00:00Z', blockThresholdNs: 100 * MS };
  const sites = [[1, 20, '<module>'], [2, 12, 'main'], [3, 13, 'main'], [4, 6, 'worker'], [5, 14, 'main']].map(([id, line, func]) => ['site', id, APP, line, func]);
  const timed: unknown[][] = [
    ['task', 0, 1, null, 'Task-1', 'main', 1, 0],
    ['step', 1 * MS, 1, 1 * MS, null, 2],
    ['task', 1.5 * MS, 2, 1, 'Task-2', 'worker', 2, 0],
    ['step', 2.5 * MS, 2, 0.5 * MS, 10, 4, 'sleep'],
    // main stopped at a breakpoint for 5 s in this step
    ['step', 5 * MS, 1, PAUSE, 2, 3],
    ...(blocked ? [['block', 5 * MS, PAUSE, 1, [3]]] : []),
    ['set', 5 * MS + PAUSE, 10, 'timer'],
    ['step', 6 * MS + PAUSE, 2, 0.2 * MS, null, 4],
    ['end', 6.2 * MS + PAUSE, 2, 'ok', 'None', null],
    ['step', 7 * MS + PAUSE, 1, 0.1 * MS, null, 5],
    ['end', 7.1 * MS + PAUSE, 1, 'ok', 'None', null],
    ['exit', 8 * MS + PAUSE, 'exit', 0],
  ];
  let clock = 0;
  const lines = timed.map(([kind, t, ...rest]) => {
    const dt = Math.round(t as number) - clock;
    clock += dt;
    return JSON.stringify([kind, dt, ...rest]);
  });
  return [JSON.stringify(header), ...sites.map((s) => JSON.stringify(s)), ...lines].join('\n') + '\n';
}

async function load(blocked: boolean): Promise<LoadedTrace> {
  const file = join(dir, `app-${blocked ? 'blocked' : 'paused'}.lanes`);
  writeFileSync(file, trace(blocked));
  const st = statSync(file);
  return loadTrace({ file, size: st.size, mtimeMs: st.mtimeMs }, ['/srv/app']);
}

const fn = (t: LoadedTrace, name: string) => t.stats.functions.find((f) => f.func === name)!;
const sleepLine = (t: LoadedTrace) => t.stats.awaits.find((a) => a.line === 6)!;

test('a step stopped at a breakpoint (no block record): its span is out of main\'s busy time and of the waits it fell in', async () => {
  const t = await load(false);
  assert.equal(t.findings.filter((f) => f.kind === 'blocked-loop').length, 0);
  const main = fn(t, 'main');
  assert.equal(main.busyP50, 1.1 * MS, 'main ran 1 ms + 0.1 ms; the 5 s at the breakpoint left out');
  assert.equal(main.paused, 1);
  const worker = fn(t, 'worker');
  // The worker lived from 1.5 ms to 5.0062 s, ran 0.7 ms: it waited 5.004 s of which 5 s was the pause.
  assert.equal(worker.waitP50, 4 * MS);
  assert.equal(worker.busyP50, 0.7 * MS);
  const sleep = sleepLine(t);
  assert.equal(sleep.count, 1);
  assert.equal(sleep.totalNs, 3 * MS, 'slept from 3 ms to the step at 5.006 s: 3 ms without the pause');
  assert.equal(sleep.maxNs, 3 * MS);
  assert.equal(sleep.paused, 1);

  const ins = indexByFile([t]).get(APP);
  const lines = ['import asyncio', '', '', '', 'async def worker():', '    await asyncio.sleep(0.01)', '', '', '', '', 'async def main():', '    w = asyncio.create_task(worker())', '    await w', '', '', '', '', '', '', 'asyncio.run(main())'];
  const lens = codeLenses(APP, ins, lines).find((l) => l.range.start.line === 10)!;
  assert.match(lens.command!.title, /^1 call · busy p50 1\.10 ms, p95 1\.10 ms · .* · paused time left out$/);
  const h = hover(APP, ins, lines, 6);
  assert.match(String((h!.contents as { value: string }).value), /total 3\.00 ms · median 3\.00 ms · max 3\.00 ms \(a debugger's pauses left out of 1\)/);
});

test('the same long step with a block record is a blocked loop: busy and waits keep it', async () => {
  const t = await load(true);
  assert.equal(t.findings.filter((f) => f.kind === 'blocked-loop').length, 1);
  const main = fn(t, 'main');
  assert.equal(main.busyP50, 1.1 * MS + PAUSE);
  assert.equal(main.paused, 0);
  assert.equal(fn(t, 'worker').waitP50, 4 * MS + PAUSE);
  assert.equal(sleepLine(t).totalNs, 3 * MS + PAUSE);
  assert.equal(sleepLine(t).paused, 0);
});

test('a Node recording made as a debug session: the step stopped in is left out of busy, the waits across it too; a step that blocked is kept', async () => {
  const program = join(dir, 'paused.js');
  const trace = join(dir, 'paused.lanes');
  writeFileSync(program, `
const { setTimeout: sleep } = require('node:timers/promises');
const spin = (ms) => { for (const end = Date.now() + ms; Date.now() < end; ); };
async function sleeper(ms) { await sleep(ms); }
async function inspect() {
  globalThis.__async_lanes.p(); // what the extension evaluates when the debugger stops here
  spin(400); // the time at the breakpoint
}
async function busy() { spin(300); }
async function main() { const a = sleeper(100); await inspect(); await a; await busy(); }
main();
`);
  const env = { ...process.env, ...debugLaunchEnv({ type: 'node', request: 'launch', program }, { traceFile: trace, blockThresholdMs: 50, packageRoot: ROOT, env: process.env, cwd: dir }) };
  execFileSync(process.execPath, [program], { env, timeout: 30_000 });
  const st = statSync(trace);
  const t = await loadTrace({ file: trace, size: st.size, mtimeMs: st.mtimeMs }, [dir]);
  const inspect = fn(t, 'inspect');
  assert.equal(inspect.paused, 1);
  assert.ok(inspect.busyP50 < 100 * MS, `inspect's busy without the pause: ${inspect.busyP50} ns`);
  const busy = fn(t, 'busy');
  assert.equal(busy.paused, 0);
  assert.ok(busy.busyP50 >= 250 * MS, `busy's spin is busy time: ${busy.busyP50} ns`);
  const blocks = t.findings.filter((f) => f.kind === 'blocked-loop');
  // (main's step, busy's caller, blocks with it: a Node async function runs in its caller's step.)
  assert.ok(blocks.some((f) => f.task?.startsWith('busy')), `busy blocked the loop: ${JSON.stringify(blocks)}`);
  assert.ok(blocks.every((f) => f.durationNs! < 350 * MS), `the 400 ms pause is no blocked loop: ${JSON.stringify(blocks)}`);
  // The sleeper's 100 ms timer fired during the pause: its wait is about 100 ms, not 400.
  const sleeper = fn(t, 'sleeper');
  assert.equal(sleeper.paused, 1);
  assert.ok(sleeper.waitP50 < 300 * MS, `the sleeper's wait without the pause: ${sleeper.waitP50} ns`);
});
