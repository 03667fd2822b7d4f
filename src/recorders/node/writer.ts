// The writer thread: formats the recorder's chunks (format.ts) and appends them to the trace, off the program's
// thread. It is also the watchdog: when the program's thread has been running one slice for longer than the block
// threshold, it pauses it for an instant through the inspector (connected on the first slice longer than half the
// threshold) to read the stack, which names the line the block is stuck on.

import { closeSync, openSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { Shared, type Chunk } from './codes.js';
import { TraceFormatter } from './format.js';

interface WriterData {
  out: string;
  /** The program thread's performance.now() at the trace's start, and its performance.timeOrigin. */
  base: number;
  origin: number;
  thresholdMs: number;
  shared: SharedArrayBuffer;
  /** Files of the recorder itself: never a program site. */
  recorderDir: string;
}

const data = workerData as WriterData;
const shared = new Int32Array(data.shared);
const fd = openSync(data.out, 'a');
const formatter = new TraceFormatter(data.base, data.thresholdMs);
/** Sampled frames' sites by "file:line:function": odd trace ids. */
const sampleSites = new Map<string, number>();

// ---- watchdog

let session: Session | null = null;
let ready = false;
let noInspector = false;
const scripts = new Map<string, string>();
let sampledSlice = 0;

function nowOnProgramClock(): number {
  return performance.timeOrigin + performance.now() - data.origin;
}

/** Connecting (the first time) takes a while on a busy machine: it begins at half the threshold, to be ready when
 * the slice becomes a block. */
function watch(): void {
  const start = shared[Shared.SliceStart];
  if (start === 0 || start === sampledSlice || noInspector) return;
  const t = nowOnProgramClock();
  if (t - start < data.thresholdMs / 2) return;
  if (session === null) connect();
  else if (ready && t - start >= data.thresholdMs) {
    sampledSlice = start;
    sample(t);
  }
}

function connect(): void {
  try {
    const s = new Session();
    s.connectToMainThread();
    session = s;
    s.on('Debugger.scriptParsed', (m) => scripts.set(m.params.scriptId, m.params.url));
    s.post('Debugger.enable', () => {
      ready = true;
    });
  } catch {
    noInspector = true; // no inspector in this build: blocks keep the step's own site
  }
}

function sample(t: number): void {
  const s = session!;
  s.once('Debugger.paused', (m) => {
    s.post('Debugger.resume');
    const ids: number[] = [];
    for (const f of m.params.callFrames) {
      let url = f.url || scripts.get(f.location.scriptId) || '';
      if (url.startsWith('file://')) url = fileURLToPath(url);
      if (!url.startsWith('/') || url.startsWith(data.recorderDir)) continue;
      const func = f.functionName || '<anonymous>';
      const k = `${url}:${f.location.lineNumber}:${func}`;
      let sid = sampleSites.get(k);
      if (sid === undefined) {
        sid = sampleSites.size * 2 + 1;
        sampleSites.set(k, sid);
        formatter.sites.set(sid, [url, f.location.lineNumber + 1, f.location.columnNumber ?? 0, func]);
      }
      ids.push(sid);
      if (ids.length >= 8) break;
    }
    formatter.samples.push([t, ids]);
    if (formatter.samples.length > 100) formatter.samples = formatter.samples.slice(-50);
  });
  s.post('Debugger.pause');
}

const timer = setInterval(watch, Math.max(5, Math.min(50, data.thresholdMs / 4)));

parentPort!.on('message', (msg: { chunk?: Chunk; last?: boolean }) => {
  if (msg.chunk) {
    try {
      for (const bytes of formatter.format(msg.chunk)) writeSync(fd, bytes);
    } catch {
      // the disk is full or the file went away: the program runs on regardless
    }
    if (msg.chunk.seg >= 0) Atomics.store(shared, Shared.Busy + msg.chunk.seg, 0);
  }
  if (msg.last) {
    clearInterval(timer);
    // Before the program is told it may exit: a session still open then makes Node print "Waiting for the
    // debugger to disconnect...".
    session?.disconnect();
    closeSync(fd);
  }
  Atomics.add(shared, Shared.Written, 1);
  Atomics.notify(shared, Shared.Written);
  if (msg.last) parentPort!.close();
});
