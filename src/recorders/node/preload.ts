// The Node recorder's entry: `node --require .../preload.js app.js` (the CLI puts it in NODE_OPTIONS, so child node
// processes are recorded too). It writes the trace header, starts the writer thread, installs the runtime as the
// global the transformed code calls, and instruments the program's files as they load: CommonJS through
// Module.prototype._compile (and `.ts` through require.extensions), ES modules through loader hooks (esm-hooks.ts).
//
// Environment: ASYNC_LANES_OUT (trace path; every further process writes `<stem>.<pid>.lanes` beside it),
// ASYNC_LANES_BLOCK_MS (block threshold, default 100), ASYNC_LANES_ESBUILD (esbuild's path, for TypeScript),
// ASYNC_LANES_DEBUGGER (set when a debugger runs the program: see pauseFlush and the writer's watchdog).

import { closeSync, existsSync, linkSync, openSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import { ChunkSink, type WriterMessage } from './chunk-sink.js';
import { Shared, type Chunk } from './codes.js';
import { compileTs, instrumentFile, isInstrumented, isProgramFile, TS_FILE } from './compile.js';
import { initialize, loadSync } from './esm-hooks.js';
import { TraceFormatter } from './format.js';
import { exitRecord, flush, inStep, ownResources, registerMap, registerSite, runtime, settleDeferred, startRuntime, unhandled } from './runtime.js';
import { RUNTIME_GLOBAL } from './transform.js';

const RECORDER_DIR = __dirname;

/** npm and npx themselves are not the program: their children (scripts, test runners) are. */
function isPackageManager(): boolean {
  const main = process.argv[1] ?? '';
  return /[\\/](npm|npx|pnpm|yarn)(-cli)?(\.c?js)?$/.test(main) || /[\\/]node_modules[\\/](npm|corepack|pnpm|yarn)[\\/]/.test(main);
}

/** The first recorded process writes ASYNC_LANES_OUT; every other one `<stem>.<pid>.lanes` beside it. The trace gets
 * its name with its header already in it (written to a file of this process's own, then hard-linked to the first free
 * name): a signal at start-up leaves no trace, or one that opens, never an empty file. Where hard links are refused,
 * the name is taken first and the header written just after. Returns the trace's path. */
function createTrace(out: string, header: string): string | null {
  const stem = join(dirname(out), basename(out).replace(/\.lanes$/, ''));
  const names = [out, `${stem}.${process.pid}.lanes`];
  const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
  let linked = true;
  try {
    writeFileSync(tmp, header);
    for (const path of names) {
      try {
        linkSync(tmp, path);
        return path;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue; // taken by another process of this run
        linked = false;
        break;
      }
    }
    if (linked) return null;
  } catch {
    // no file of our own (the folder refuses it): the name first, then the header
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // not made
    }
  }
  for (const path of names) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, header);
      closeSync(fd);
      return path;
    } catch {
      // taken by another process of this run: try the next name
    }
  }
  return null;
}

type Send = (msg: WriterMessage, transfer: ArrayBuffer[]) => void;

/** The writer thread (writer.ts): formats and writes off the program's thread, and is the blocked-loop watchdog. */
function writerThread(path: string, base: number, thresholdMs: number, sab: SharedArrayBuffer): Send {
  const worker = new Worker(join(RECORDER_DIR, 'writer.js'), {
    workerData: { out: path, base, origin: performance.timeOrigin, thresholdMs, shared: sab, recorderDir: RECORDER_DIR },
    env: {},
    // Not piped to the program's stdout/stderr (the writer prints nothing): piping would queue more ticks.
    stdout: true,
    stderr: true,
  });
  worker.unref();
  // A segment is shared memory (no copy); a buffer of its own moves to the writer.
  return (msg, transfer) => worker.postMessage(msg, transfer);
}

/** Under a debugger the program's thread writes its records itself. A writer thread would start after the debugger
 * attached (js-debug's bootloader comes first in NODE_OPTIONS) and be held at "Break on start" until the debugger
 * resumes it, which the debugger cannot do while a pause flush holds the program's thread: the flush would wait its
 * 2 s for nothing (always on Node 22-26 under js-debug). The watchdog is off under a debugger anyway (writer.ts). */
function writeHere(path: string, base: number, thresholdMs: number, shared: Int32Array): Send {
  const sink = new ChunkSink(openSync(path, 'a'), new TraceFormatter(base, thresholdMs), shared);
  return (msg) => sink.take(msg);
}

function start(): void {
  const out = process.env.ASYNC_LANES_OUT;
  if (!out || !isMainThread || isPackageManager() || (globalThis as Record<string, unknown>)[RUNTIME_GLOBAL]) return;
  const thresholdMs = Number(process.env.ASYNC_LANES_BLOCK_MS) > 0 ? Number(process.env.ASYNC_LANES_BLOCK_MS) : 100;
  const base = performance.now();
  const header = {
    format: 'async-lanes',
    version: 1,
    runtime: 'node',
    runtimeVersion: process.versions.node,
    pid: process.pid,
    argv: process.argv.slice(1),
    cwd: process.cwd(),
    start: new Date(performance.timeOrigin + base).toISOString(),
    blockThresholdNs: Math.round(thresholdMs * 1e6),
  };
  const path = createTrace(out, JSON.stringify(header) + '\n');
  if (!path) return;

  const sab = new SharedArrayBuffer(Shared.Size * 4);
  const shared = new Int32Array(sab);
  const send = process.env.ASYNC_LANES_DEBUGGER === '1' ? writeHere(path, base, thresholdMs, shared) : writerThread(path, base, thresholdMs, sab);
  let written = 0;
  let sent = 0;
  startRuntime({
    shared,
    post(c: Chunk, last: boolean) {
      sent++;
      send({ chunk: c, last }, c.seg < 0 ? [c.buf.buffer as ArrayBuffer] : []);
    },
  });
  /** `__async_lanes.p()`: called by the VS Code extension through the debugger's evaluate request at every pause. The
   * program's thread is stopped there, so the 100 ms timer cannot hand the buffered records on: this does, and waits
   * (≤ 2 s) until the writer thread, which the debugger does not stop, has written them; the writer is told of the
   * pause, so that the step stopped there is not reported as blocking the loop. Answers one token without
   * quotes or backslashes (debuggers quote and escape string results their own way): the instant on the trace's
   * clock, the tasks in a step (innermost first, with their steps' starts) and the trace's path, URI-encoded. */
  const pauseFlush = (): string => {
    sent++;
    send({ pause: performance.now() }, []);
    flush(false);
    const deadline = Date.now() + 2000;
    while ((written = Atomics.load(shared, Shared.Written)) < sent && Date.now() < deadline) {
      Atomics.wait(shared, Shared.Written, written, 50);
    }
    const ns = (ms: number) => Math.round((ms - base) * 1e6);
    const running = inStep().map(([id, t0]) => `${id}@${ns(t0)}`).join(',');
    return `async-lanes-pause:t=${ns(performance.now())};run=${running};file=${encodeURIComponent(path).replace(/'/g, '%27')}`;
  };
  Object.defineProperty(globalThis, RUNTIME_GLOBAL, { value: { ...runtime, d: defineSites, p: pauseFlush }, enumerable: false });
  const timer = setInterval(() => flush(false), 100);
  timer.unref();
  ownResources.add(timer);

  /** At exit: the last records, then wait (briefly) until the writer has written them. */
  let finished = false;
  const finish = (how: number, detail: string | number) => {
    if (finished) return;
    finished = true;
    clearInterval(timer);
    settleDeferred();
    exitRecord(how, detail);
    flush(true);
    const deadline = Date.now() + 5000;
    while ((written = Atomics.load(shared, Shared.Written)) < sent && Date.now() < deadline) {
      Atomics.wait(shared, Shared.Written, written, 50);
    }
  };
  let exception: string | null = null;
  process.on('uncaughtExceptionMonitor', (err) => {
    exception = errorTextOf(err);
  });
  process.on('exit', (code) => (exception !== null && code !== 0 ? finish(1, exception) : finish(0, code)));
  // No signal listeners: one would replace the default action (the process dies at once) with a callback that runs only
  // when the program's thread next polls the event loop, never while it is busy (and not at all when the program ends
  // first: the signal was lost). A signal the program does not handle kills it as it would have, with the trace cut
  // off after the last chunk the writer thread wrote (the records of the last moment, ≤ 100 ms, and no `exit` record);
  // one it handles is the program's to decide.
  // Unhandled rejections: seen as Node reports them, without changing what Node then does.
  const emit = process.emit;
  process.emit = function (this: NodeJS.Process, event: string | symbol, ...args: unknown[]) {
    if (event === 'unhandledRejection') unhandled(args[0], args[1]);
    return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
  } as typeof process.emit;

  hookCommonJs();
  hookEsm();
}

function errorTextOf(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 200);
  return String(err).slice(0, 200);
}

/** `__async_lanes.d(sites, file, map)`: sites an ES module defined on the loader thread, run first by that module. */
function defineSites(sites: [number, string, number, number, string][], file?: string, map?: string): void {
  for (const s of sites) registerSite(s[0], s[1], s[2], s[3], s[4]);
  if (file && map) registerMap(file, map);
}

/** Site ids are shared with the loader thread: one counter in shared memory. */
const siteCounter = new Int32Array(new SharedArrayBuffer(4));
const nextSite = () => Atomics.add(siteCounter, 0, 1) + 1;

function hookCommonJs(): void {
  type Compile = (this: Module, content: string, filename: string, ...rest: unknown[]) => unknown;
  const proto = Module.prototype as unknown as { _compile: Compile };
  const compile = proto._compile;
  proto._compile = function (content: string, filename: string, ...rest: unknown[]) {
    if (typeof content !== 'string' || !isProgramFile(filename, RECORDER_DIR)) return compile.call(this, content, filename, ...rest);
    let src = content;
    if (TS_FILE.test(filename) && !isInstrumented(content)) {
      const js = compileTs(content, filename, 'cjs');
      src = js.code;
      if (js.map) registerMap(filename, js.map);
    }
    const res = instrumentFile(src, filename, false, nextSite);
    if (res) for (const s of res.sites) registerSite(s[0], s[1], s[2], s[3], s[4]);
    return compile.call(this, res ? res.code : src, filename, ...rest);
  };
  const exts = (Module as unknown as { _extensions: Record<string, (m: Module, f: string) => void> })._extensions;
  for (const ext of ['.ts', '.cts', '.mts']) {
    if (!exts[ext]) exts[ext] = exts['.js'];
  }
}

function hookEsm(): void {
  const M = Module as unknown as {
    registerHooks?: (hooks: { load: typeof loadSync }) => void;
    register?: (url: string, opts: object) => void;
  };
  const init = { recorderDir: RECORDER_DIR, siteCounter: siteCounter.buffer as SharedArrayBuffer };
  if (typeof M.registerHooks === 'function') {
    initialize(init);
    M.registerHooks({ load: loadSync });
    return;
  }
  const hooks = join(RECORDER_DIR, 'esm-hooks.js');
  if (typeof M.register !== 'function' || !existsSync(hooks)) return;
  M.register(pathToFileURL(hooks).href, { data: init });
}

start();
