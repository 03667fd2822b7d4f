// `async-lanes record [-o FILE] [--block-threshold MS] -- <python> prog.py [args]`: runs the program under the
// Python recorder shipped in this package (src/recorders/python), then says where the trace is. Node programs
// (`node app.js`, `app.ts`, `npm test`, `npx ...`) run under the Node recorder (src/recorders/node), injected through
// NODE_OPTIONS so that every node process of the run is recorded: the first one writes FILE, each further one
// `<FILE stem>.<pid>.lanes` beside it.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { isatty } from 'node:tty';
import { Worker } from 'node:worker_threads';
import { DEFAULT_BLOCK_THRESHOLD_MS } from '../model/finding-kinds.js';
import { launchCommand, LaunchError, packageRoot, programStem, traceFileName, type Launch } from '../launch/launch.js';
import { optionValue, parseArgs } from './args.js';
import { CliError } from './errors.js';
import type { Io } from './io.js';

export const RECORD_HELP = `Usage: async-lanes record [-o FILE] [--block-threshold MS] -- PYTHON PROGRAM.py [ARGS...]
       async-lanes record [options] -- PYTHON -m MODULE [ARGS...]
       async-lanes record [options] -- node PROGRAM.js|PROGRAM.ts [ARGS...]
       async-lanes record [options] -- npm test | npx ... | PROGRAM.ts

Runs a Python asyncio program or a Node.js program with the Async Lanes recorder and writes its
trace. PYTHON is the interpreter to use (python3, a virtualenv's python, ...); the program's output,
input and exit code are its own. Node programs are recorded in every node process they start
(npm scripts, test runners): the first writes FILE, the others FILE's stem + .<pid>.lanes.

Options:
  -o, --output FILE        where to write the trace
                           (default: .async-lanes/<program>-<YYYYMMDD-HHMMSS>.lanes)
  --block-threshold MS     report the event loop as blocked when one step or callback runs longer
                           than MS milliseconds (default: the recorder's, ${DEFAULT_BLOCK_THRESHOLD_MS})
  -h, --help               show this help
`;

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export async function recordCommand(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, [
    { names: ['-o', '--output'], takesValue: true },
    { names: ['--block-threshold'], takesValue: true },
    { names: ['-h', '--help'], takesValue: false },
  ], 'record');
  if (args.options.has('help')) {
    io.out(RECORD_HELP);
    return 0;
  }
  if (args.positionals.length > 0 || args.rest === null) {
    throw new CliError('record: name the interpreter and program after --, e.g. async-lanes record -- python3 app.py');
  }
  const threshold = optionValue(args, 'block-threshold');
  if (threshold !== undefined && !(Number(threshold) > 0 && Number.isFinite(Number(threshold)))) {
    throw new CliError(`record: --block-threshold takes a positive number of milliseconds, got "${threshold}"`);
  }
  const output = optionValue(args, 'output') ?? join('.async-lanes', traceFileName(programStem(args.rest), new Date(), (n) => existsSync(join('.async-lanes', n))));
  let launch: Launch;
  try {
    launch = launchCommand(args.rest, {
      traceFile: output,
      blockThresholdMs: threshold === undefined ? null : Number(threshold),
      packageRoot: packageRoot(),
      env: process.env,
      cwd: process.cwd(),
    });
  } catch (err) {
    if (err instanceof LaunchError) throw new CliError(`record: ${err.message}`);
    throw err;
  }
  try {
    mkdirSync(dirname(resolve(output)), { recursive: true });
  } catch (err) {
    throw new CliError(`record: cannot create the folder for "${output}": ${(err as Error).message}`);
  }
  const node = launch.runtime === 'node';
  if (node) rmSync(output, { force: true });
  const started = Date.now();
  const { code, signal } = await run(launch.command, launch.args, launch.env, launch.runtime);
  const others = node ? siblingTraces(output, started) : [];
  if (!existsSync(output) && others.length === 0) {
    // The recorder refused to run (its own message is already on stderr, e.g. a too-old Python) or crashed early.
    if (node || code !== 2) io.err(`async-lanes: no trace was written to ${output}`);
  } else {
    if (existsSync(output)) io.err(`async-lanes: ${await summary(output)}`);
    if (others.length > 0) io.err(`async-lanes: ${others.length} more node process${others.length === 1 ? '' : 'es'} recorded: ${others.map(displayOutput).join(', ')}`);
  }
  if (signal) {
    // Die the same way the program did, so shells and CI see the signal.
    for (const s of FORWARDED_SIGNALS) process.removeAllListeners(s);
    process.kill(process.pid, signal);
  }
  return code ?? 1;
}

/** The `<stem>.<pid>.lanes` traces other node processes of this run wrote beside `output`. */
function siblingTraces(output: string, since: number): string[] {
  const dir = dirname(resolve(output));
  const stem = basename(output).replace(/\.lanes$/, '');
  const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+\\.lanes$`);
  return readdirSync(dir)
    .filter((n) => pattern.test(n))
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).mtimeMs >= since - 1000)
    .sort();
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, runtime: 'python' | 'node' = 'python'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    // Stay alive until the program ends, and pass the signal on. A Ctrl-C typed in a terminal, or the terminal's
    // hang-up, already reached the program (same process group): sending it again would interrupt its clean-up (a
    // second KeyboardInterrupt) or make it reload twice.
    const forward = (s: NodeJS.Signals) => () => {
      if (!(s !== 'SIGTERM' && isatty(0))) child.kill(s);
    };
    const handlers = FORWARDED_SIGNALS.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const done = () => {
      for (const [s, h] of handlers) process.off(s, h);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      done();
      if (err.code === 'ENOENT') reject(new CliError(`cannot run "${command}": not found (${runtime === 'python' ? 'is Python installed? name the interpreter after --' : 'is it on PATH?'})`, 127));
      else if (err.code === 'EACCES') reject(new CliError(`cannot run "${command}": permission denied`, 126));
      else reject(new CliError(`cannot run "${command}": ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      done();
      resolvePromise({ code, signal });
    });
  });
}

/** The heap the summary's reading may use (it streams the trace: far more than it needs). */
const SUMMARY_HEAP_MB = 1024;

async function summary(output: string): Promise<string> {
  const shown = displayOutput(output);
  try {
    const { tasks: n, findings } = await summaryCounts(output);
    return `trace written to ${shown} (${n} task${n === 1 ? '' : 's'}, ${findings} finding${findings === 1 ? '' : 's'}) — async-lanes report ${shown}`;
  } catch (err) {
    return `trace written to ${shown}, but it cannot be read: ${(err as Error).message}`;
  }
}

/** The trace's task and finding counts, read in a worker thread with its own heap limit: a reader failure, even
 * running out of memory, rejects this promise instead of ending the process (and the program's exit status). */
function summaryCounts(file: string): Promise<{ tasks: number; findings: number }> {
  return new Promise((resolvePromise, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(join(__dirname, 'summary-worker.js'), {
        workerData: { file },
        resourceLimits: { maxOldGenerationSizeMb: SUMMARY_HEAP_MB },
        stdout: true,
        stderr: true,
      });
    } catch (err) {
      reject(err);
      return;
    }
    let settled = false;
    worker.on('message', (m: { tasks: number; findings: number } | { error: string }) => {
      settled = true;
      if ('error' in m) reject(new Error(m.error));
      else resolvePromise(m);
      void worker.terminate();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`reading it needs more than ${SUMMARY_HEAP_MB} MB`) : err);
    });
    worker.on('exit', (code) => {
      if (!settled) {
        settled = true;
        reject(new Error(`its reader stopped (exit ${code})`));
      }
    });
  });
}




function displayOutput(output: string): string {
  const rel = relative(process.cwd(), resolve(output));
  return rel.startsWith('..' + sep) || rel === '..' ? resolve(output) : rel;
}

