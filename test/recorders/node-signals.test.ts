// Signals at random moments under the Node recorder: SIGTERM, SIGINT and SIGHUP delivered to a recorded program
// (test/recorders/programs/signal_phases.js) during start-up, in an await-heavy phase, while the writer thread formats
// a burst of records, in a long synchronous loop and as the program ends, many runs per signal, on this machine's
// Node and on every Node scripts/setup-node-versions.sh installs (fewer runs there). Every run must end within a
// bound (no hang), die of the signal as promptly as the plain program does, with the plain program's exit status and
// stderr for that signal in that phase, and leave a trace that `async-lanes report` opens (exit 0; cut off when the
// program died of the signal). Also: a program that handles SIGINT itself and exits with its own code (its handler
// decides, as without the recorder: after its synchronous loop), and the signal sent to `async-lanes record`.
//
// Phases are reached by their "phase NAME" line on stdout, not by time, so the plain and the recorded run are
// signalled in the same phase although the recorder's start-up takes longer; the outcome of each phase is known
// (below) and both runs must give it. Environment: ASYNC_LANES_SIGNAL_RUNS (runs per signal on this Node, default
// 20; a quarter of it, at least 5, on the other versions).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { CLI, pool, ROOT, runProcess, traceFile } from './lib/run.js';

const PROGRAM = join(ROOT, 'test', 'recorders', 'programs', 'signal_phases.js');
/** The recorder's own contract (preload.ts), as the CLI and the extension launch it. */
const PRELOAD = join(ROOT, 'out', 'src', 'recorders', 'node', 'preload.js');
const recorderEnv = (trace: string) => ({ NODE_OPTIONS: `--require ${JSON.stringify(PRELOAD)}`, ASYNC_LANES_OUT: trace });
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
type Sig = (typeof SIGNALS)[number];
const PHASES = ['startup', 'await', 'flush', 'sync', 'end'] as const;
type Phase = (typeof PHASES)[number];
type Mode = 'plain-handlers' | 'handle-sigint';
/** Random delay (ms) after the phase's line (start-up: after the spawn). */
const WINDOW: Record<Phase, number> = { startup: 200, await: 400, flush: 150, sync: 1200, end: 20 };
const SYNC_MS = 2000;
/** No run may last longer (the program alone takes ~4 s: 0.6 s await, 0.8 s sleep, the 2 s loop, 0.3 s sleep). */
const RUN_TIMEOUT_MS = 60_000;
/** A process killed by a signal is gone at once; the bound leaves room for a loaded machine. */
const DEATH_MS = 3000;
const RUNS = Number(process.env.ASYNC_LANES_SIGNAL_RUNS) || 20;

function nodeVersions(): { version: string; bin: string; runs: number }[] {
  const out = [{ version: process.version, bin: process.execPath, runs: RUNS }];
  const lines = execFileSync('bash', [join(ROOT, 'scripts', 'setup-node-versions.sh')], { encoding: 'utf8', timeout: 600_000 });
  for (const line of lines.trim().split('\n')) {
    const [version, bin] = line.split(' ');
    if (version && bin) out.push({ version, bin, runs: Math.max(5, Math.round(RUNS / 4)) });
  }
  return out;
}

interface Outcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** From the signal to the process's end (null: not sent, the program had ended). */
  afterSignalMs: number | null;
  timedOut: boolean;
}

/** Runs `cmd args` and sends `sig` at `delay` ms after its stdout shows "phase <phase>" (start-up: after the spawn). */
function signalRun(cmd: string, args: string[], env: NodeJS.ProcessEnv, phase: Phase, sig: Sig, delay: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    let armed = false;
    const arm = () => {
      armed = true;
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null && child.kill(sig)) sentAt = Date.now();
      }, delay);
    };
    if (phase === 'startup') arm();
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
      if (!armed && stdout.includes(`phase ${phase}\n`)) arm();
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, afterSignalMs: sentAt ? Date.now() - sentAt : null, timedOut });
    });
  });
}

type Expected = { code: number | null; signal: string | null; stderr: string };
const show = (o: Expected) => `${o.signal ?? `exit ${o.code}`}${o.stderr ? ` stderr ${JSON.stringify(o.stderr)}` : ''}`;

/** What the plain program does under `sig` in `phase`: one outcome, or two where the moment decides. */
function expected(phase: Phase, sig: Sig, mode: Mode): Expected[] {
  const killed = { code: null, signal: sig, stderr: '' };
  const ended = { code: 0, signal: null, stderr: '' };
  if (mode === 'handle-sigint') {
    const handled = { code: 42, signal: null, stderr: 'got SIGINT\n' };
    // Before its first line the handler may not be installed yet. At the end the signal may come too late, or once
    // Node has closed the program's signal handles on its way out (then it kills, as without a handler).
    if (phase === 'startup') return [killed, handled];
    if (phase === 'end') return [handled, ended, killed];
    return [handled];
  }
  return phase === 'end' ? [killed, ended] : [killed];
}

const plainEnv = () => {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
};

/** The `exit` records of a trace file. */
function exitRecords(trace: string): unknown[][] {
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('["exit",'))
    .map((l) => JSON.parse(l) as unknown[]);
}

/** What is wrong with one run (empty: nothing). */
async function checkRun(o: Outcome, allowed: Expected[], phase: Phase, sig: Sig, trace: string | null, deathMs = DEATH_MS): Promise<string[]> {
  const bad: string[] = [];
  if (o.timedOut) return [`did not end within ${RUN_TIMEOUT_MS} ms (hang)`];
  const got = { code: o.code, signal: o.signal, stderr: o.stderr };
  if (!allowed.some((e) => e.code === got.code && e.signal === got.signal && e.stderr === got.stderr)) {
    bad.push(`ended ${show(got)}, the plain program: ${allowed.map(show).join(' or ')}`);
  }
  if (o.signal === sig && o.afterSignalMs !== null && o.afterSignalMs > deathMs) bad.push(`died ${o.afterSignalMs} ms after the signal`);
  if (trace === null) return bad;
  if (!existsSync(trace)) {
    // The recorder writes its header before the program's first line: no trace only when the signal came before.
    if (!(phase === 'startup' && o.stdout === '')) bad.push('no trace file');
    return bad;
  }
  // (in the run's own pool slot: a nested pool.run could wait for a slot its own caller holds)
  const r = await runProcess(process.execPath, [CLI, 'report', trace], { timeoutMs: 60_000 });
  if (r.code !== 0) return [...bad, `report exited ${r.code}: ${r.stderr.trim()}`];
  const exits = exitRecords(trace);
  if (o.code !== null) {
    // It ended itself: the trace says how.
    if (exits.length !== 1 || exits[0][2] !== 'exit' || exits[0][3] !== o.code) bad.push(`exit records ${JSON.stringify(exits)} for exit ${o.code}`);
  } else if (exits.some((e) => e[2] !== 'signal') && phase !== 'end') {
    // Killed (the end phase may be signalled after the program's own exit record was written).
    bad.push(`killed by ${o.signal} but the trace says ${JSON.stringify(exits)}`);
  }
  return bad;
}

interface Case {
  phase: Phase;
  delay: number;
}

/** `runs` cases spread over the phases in turn, each at a random moment of its window. */
function cases(runs: number): Case[] {
  return Array.from({ length: runs }, (_, k) => {
    const phase = PHASES[k % PHASES.length];
    return { phase, delay: Math.floor(Math.random() * WINDOW[phase]) };
  });
}

async function torture(t: TestContext, node: string, version: string, sig: Sig, mode: Mode, runs: number): Promise<void> {
  const args = [PROGRAM, mode === 'handle-sigint' ? 'handle-sigint' : '-', String(SYNC_MS)];
  const failures: string[] = [];
  const label = (c: Case, what: string) => `${what} ${sig} in ${c.phase} +${c.delay} ms`;
  // The plain program once per phase: the expected outcomes are right.
  const plain = PHASES.map((phase) => ({ phase, delay: Math.floor(Math.random() * WINDOW[phase]) }));
  const recorded = cases(runs);
  /** From the signal to the end of a process it killed, plain and recorded (ms). */
  const deaths: { plain: number[]; recorded: number[] } = { plain: [], recorded: [] };
  const died = (o: Outcome, k: 'plain' | 'recorded') => {
    if (o.signal === sig && o.afterSignalMs !== null) deaths[k].push(o.afterSignalMs);
  };
  await Promise.all([
    ...plain.map((c) =>
      pool.run(async () => {
        const o = await signalRun(node, args, plainEnv(), c.phase, sig, c.delay);
        died(o, 'plain');
        for (const b of await checkRun(o, expected(c.phase, sig, mode), c.phase, sig, null)) failures.push(`${label(c, 'plain')}: ${b}`);
      }),
    ),
    ...recorded.map((c, k) =>
      pool.run(async () => {
        const trace = traceFile(`signals-${version}-${mode}-${sig}-${k}.lanes`);
        const o = await signalRun(node, args, { ...plainEnv(), ...recorderEnv(trace) }, c.phase, sig, c.delay);
        died(o, 'recorded');
        for (const b of await checkRun(o, expected(c.phase, sig, mode), c.phase, sig, trace)) failures.push(`${label(c, 'recorded')}: ${b}`);
      }),
    ),
  ]);
  const stats = (xs: number[]) => (xs.length ? `median ${[...xs].sort((a, b) => a - b)[xs.length >> 1]} ms, max ${Math.max(...xs)} ms (${xs.length} runs)` : 'none');
  t.diagnostic(`killed by ${sig}, from the signal to the end: plain ${stats(deaths.plain)}; recorded ${stats(deaths.recorded)}`);
  assert.deepEqual(failures, [], `${failures.length} of ${plain.length + recorded.length} runs differ:\n${failures.join('\n')}`);
}

for (const node of nodeVersions()) {
  // (its tests at once: they share the pool, which stays full while one test waits for its slowest runs)
  describe(`signals under the Node recorder on node ${node.version}`, { concurrency: true }, () => {
    for (const sig of SIGNALS) {
      test(`${sig}, ${node.runs} recorded runs at random moments`, { timeout: 900_000 }, (t) => torture(t, node.bin, node.version, sig, 'plain-handlers', node.runs));
    }
    const handled = Math.max(5, Math.round(node.runs / 2));
    test(`SIGINT to a program with its own handler, ${handled} recorded runs`, { timeout: 900_000 }, (t) => torture(t, node.bin, node.version, 'SIGINT', 'handle-sigint', handled));
  });
}

// The signal sent to `async-lanes record`, which passes it on: the program dies of it in its synchronous loop (20 s
// long here: it must not run to its end), the CLI dies of it too after its summary (as a shell or CI sees it), and
// the trace opens.
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test(`${sig} to async-lanes record during the program's synchronous loop`, async () => {
    const trace = traceFile(`signals-cli-${sig}.lanes`);
    const args = [CLI, 'record', '-o', trace, '--', process.execPath, PROGRAM, '-', '20000'];
    const o = await pool.run(async () => {
      const run = await signalRun(process.execPath, args, plainEnv(), 'sync', sig, 200);
      return { run, bad: await checkRun({ ...run, stderr: '' }, [{ code: null, signal: sig, stderr: '' }], 'sync', sig, trace, 15_000) };
    });
    assert.deepEqual(o.bad, [], `stderr: ${o.run.stderr}`);
  });
}
