// Running example programs plainly and under the recorder, and reading the CLI's report, with a small process
// pool so the whole matrix (examples × Python versions) finishes in reasonable time on a 2-core machine.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Report } from './report.js';

/** The repository root (this file is compiled to out/test/recorders/lib/). */
export const ROOT = resolve(__dirname, '..', '..', '..', '..');
export const EXAMPLES = join(ROOT, 'examples', 'python');
export const RECORDER_PATH = join(ROOT, 'src', 'recorders', 'python');
export const CLI = join(ROOT, 'bin', 'async-lanes.js');

export interface ProcResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs at most `limit` jobs at once. */
export class Pool {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  run<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolveJob, rejectJob) => {
      const start = () => {
        this.running++;
        job()
          .then(resolveJob, rejectJob)
          .finally(() => {
            this.running--;
            this.queue.shift()?.();
          });
      };
      if (this.running < this.limit) start();
      else this.queue.push(start);
    });
  }
}

/** Sleep-bound programs: a few more processes than cores is fine, timing assertions leave slack. */
export const pool = new Pool(Number(process.env.ASYNC_LANES_TEST_JOBS) || 4);

export function runProcess(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ProcResult> {
  return new Promise((resolveRun, rejectRun) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      rejectRun(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
      });
    });
  });
}

/** The environment both runs share: the caller's, minus variables that change asyncio's behaviour. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['PYTHONASYNCIODEBUG', 'PYTHONDEVMODE', 'PYTHONWARNINGS', 'PYTHONTRACEMALLOC', 'PYTHONPATH', 'PYTHONSTARTUP']) delete env[k];
  env.PYTHONDONTWRITEBYTECODE = '1';
  env.PYTHONIOENCODING = 'utf-8';
  return env;
}

let traceDir: string | null = null;
/** A path for a trace in this run's temporary folder (removed at exit unless ASYNC_LANES_KEEP_TRACES is set). */
export function traceFile(name: string): string {
  if (traceDir === null) {
    const dir = (traceDir = mkdtempSync(join(tmpdir(), 'async-lanes-examples-')));
    if (process.env.ASYNC_LANES_KEEP_TRACES) console.log(`# traces kept in ${dir}`);
    else process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return join(traceDir, name);
}

/** `python example.py` */
export function runPlain(python: string, script: string, args: string[] = []): Promise<ProcResult> {
  return pool.run(() => runProcess(python, [script, ...args], { cwd: EXAMPLES, env: baseEnv() }));
}

/** The tests share a 2-core machine with other suites: a step that is merely descheduled for 100 ms (the default
 * threshold) would count as a blocked loop. The examples that block do so for 300 ms, so 200 ms keeps them found
 * and keeps CPU starvation from adding findings. */
export const BLOCK_THRESHOLD_MS = '200';
/** For examples that never block on purpose: under load (load average 5-6 on the 2 cores) a step was seen
 * descheduled for over 200 ms, a real but unintended blocked loop. */
export const QUIET_THRESHOLD_MS = '10000';

/** The recorder's modes: `native` (its C accelerator, required: ASYNC_LANES_NATIVE=1), `pure` (Python only,
 * ASYNC_LANES_NATIVE=0) and `auto` (the default: the accelerator when it is built, else pure). */
export type RecorderMode = 'native' | 'pure' | 'auto';

/** `python -m async_lanes run -o FILE --block-threshold MS example.py`, with the recorder on PYTHONPATH. */
export function runRecorded(
  python: string,
  script: string,
  trace: string,
  args: string[] = [],
  mode: RecorderMode = 'pure',
  extraEnv: NodeJS.ProcessEnv = {},
  blockThresholdMs = BLOCK_THRESHOLD_MS,
): Promise<ProcResult> {
  const env = { ...baseEnv(), ...extraEnv };
  env.PYTHONPATH = RECORDER_PATH;
  if (mode === 'auto') delete env.ASYNC_LANES_NATIVE;
  else env.ASYNC_LANES_NATIVE = mode === 'native' ? '1' : '0';
  const argv = ['-m', 'async_lanes', 'run', '-o', trace, '--block-threshold', blockThresholdMs, script, ...args];
  return pool.run(() => runProcess(python, argv, { cwd: EXAMPLES, env }));
}

/** `node bin/async-lanes.js record -o FILE -- <cmd...>` */
export function runCliRecord(trace: string, cmd: string[]): Promise<ProcResult> {
  const argv = [CLI, 'record', '-o', trace, '--block-threshold', BLOCK_THRESHOLD_MS, '--', ...cmd];
  return pool.run(() => runProcess(process.execPath, argv, { cwd: EXAMPLES, env: baseEnv() }));
}

/** `node bin/async-lanes.js report FILE --json`, parsed. Throws with the CLI's output when it fails. */
export async function loadReport(trace: string): Promise<Report> {
  if (!existsSync(trace)) throw new Error(`no trace file was written at ${trace}`);
  const r = await pool.run(() => runProcess(process.execPath, [CLI, 'report', trace, '--json'], { timeoutMs: 60_000 }));
  if (r.code !== 0) throw new Error(`async-lanes report ${trace} --json exited ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout.slice(0, 2000)}`);
  try {
    return JSON.parse(r.stdout) as Report;
  } catch (e) {
    throw new Error(`async-lanes report --json printed invalid JSON (${(e as Error).message}): ${r.stdout.slice(0, 500)}`);
  }
}

export function recorderAvailable(): string | null {
  if (!existsSync(join(RECORDER_PATH, 'async_lanes', '__main__.py'))) return `recorder missing: ${join(RECORDER_PATH, 'async_lanes', '__main__.py')}`;
  if (!existsSync(CLI)) return `CLI missing: ${CLI}`;
  return null;
}

/** Why the recorder's C accelerator cannot be built for `python` (no C compiler or no Python.h), or null when it can. */
export function nativeUnbuildable(python: string): string | null {
  const probe = [
    'import os, shlex, shutil, sysconfig',
    "cc = shlex.split(os.environ.get('CC') or sysconfig.get_config_var('CC') or '')",
    "inc = sysconfig.get_config_var('INCLUDEPY') or ''",
    "print('no C compiler' if not cc or not shutil.which(cc[0]) else 'no Python.h' if not os.path.isfile(os.path.join(inc, 'Python.h')) else '')",
  ].join('\n');
  try {
    const why = execFileSync(python, ['-c', probe], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    return why || null;
  } catch (e) {
    return `probe failed: ${(e as Error).message}`;
  }
}

/** The header (first line) of a trace file, parsed. */
export function traceHeader(trace: string): Record<string, unknown> {
  const text = readFileSync(trace, 'utf8');
  const nl = text.indexOf('\n');
  return JSON.parse(nl < 0 ? text : text.slice(0, nl)) as Record<string, unknown>;
}
