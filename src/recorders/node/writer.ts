// The writer thread: formats the recorder's chunks (format.ts) and appends them to the trace, off the program's
// thread. It is also the watchdog: while the program's thread runs one slice for longer than half the block
// threshold, it pauses it for an instant through the inspector every quarter threshold to read the stack; a block
// record names the line most of its samples saw. Samples per slice are bounded: past MAX_SAMPLES, every other one
// is dropped and the interval doubles, so they stay spread over the whole slice however long it runs.
//
// The inspector's debugger is enabled only for that: on the first slice past half the threshold, and disabled again
// once no slice has been that long for IDLE_MS. While it is enabled, V8 takes its slow path for every promise (an
// await-heavy program ran 3-5x slower); enabling it takes a while (tens of ms, more on a loaded machine), hence the
// early start and the delay before disabling. Blocks before the writer thread is up (its first ~0.1 s, longer on a
// loaded machine) are not sampled: their record names the step's own site.

import { openSync } from 'node:fs';
import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { ChunkSink, type WriterMessage } from './chunk-sink.js';
import { Shared } from './codes.js';
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
/** The debugger: off, being enabled, on, or being disabled. */
let debug: 'off' | 'enabling' | 'on' | 'disabling' = 'off';
/** No watchdog without an inspector. Nor under a debugger, where this thread does not run (preload.ts writes on the
 * program's thread): the debugger's pauses would look like one long slice, and the watchdog's session, enabled then,
 * would be told of the debugger's pause and resume the program under the user's breakpoint. */
let noInspector = false;
const scripts = new Map<string, string>();
/** The slice being sampled (its start, as the program wrote it), the time of its next sample and their interval. */
let slice = 0;
let nextAt = 0;
let every = 0;
/** Samples of this slice kept in formatter.samples; the slice a pause was asked for in, not answered yet (0: none). */
let kept = 0;
let pausing = 0;
/** When a slice was last seen past half the threshold. */
let lastLong = 0;
const MAX_SAMPLES = 64;
const TICK = Math.max(5, Math.min(50, data.thresholdMs / 4));
const IDLE_MS = Math.max(1000, 4 * data.thresholdMs);

function nowOnProgramClock(): number {
  return performance.timeOrigin + performance.now() - data.origin;
}

function watch(): void {
  if (noInspector) return;
  const start = shared[Shared.SliceStart];
  const t = nowOnProgramClock();
  if (start === 0 || t - start < data.thresholdMs / 2) {
    if (debug === 'on' && pausing === 0 && t - lastLong > IDLE_MS) disable();
    return;
  }
  lastLong = t;
  if (debug === 'off') return enable();
  if (debug !== 'on' || pausing !== 0) return;
  if (start !== slice) {
    slice = start;
    nextAt = 0;
    every = data.thresholdMs / 4;
    kept = 0;
  }
  if (t < nextAt) return;
  nextAt = t + every - TICK / 2; // the tick that comes about `every` later
  sample(start);
}

function enable(): void {
  if (session === null && !connect()) return;
  debug = 'enabling';
  session!.post('Debugger.enable', () => {
    debug = 'on';
  });
}

function disable(): void {
  debug = 'disabling';
  session!.post('Debugger.disable', () => {
    debug = 'off';
  });
}

function connect(): boolean {
  try {
    const s = new Session();
    s.connectToMainThread();
    session = s;
    s.on('Debugger.scriptParsed', (m) => scripts.set(m.params.scriptId, m.params.url));
    // Every pause is resumed at once, ours and any other (a `debugger;` statement in the program stops here too
    // while the debugger is enabled).
    s.on('Debugger.paused', (m) => {
      // Read while the program's thread is stopped: it cannot start another slice before the resume.
      const now = shared[Shared.SliceStart];
      const t = nowOnProgramClock();
      s.post('Debugger.resume');
      if (pausing === 0) return;
      const start = pausing;
      pausing = 0;
      // Kept only when the pause landed inside the slice it was asked for (the program's thread may have moved on
      // while it was on its way, e.g. when this thread was descheduled).
      if (now === start && start === slice) keep(t, m.params.callFrames);
    });
    return true;
  } catch {
    noInspector = true; // no inspector in this build: blocks keep the step's own site
    return false;
  }
}

/** Pauses the program's thread to read its stack (the answer comes to the paused listener). */
function sample(start: number): void {
  pausing = start;
  session!.post('Debugger.pause');
}

type Frame = { url: string; functionName: string; location: { scriptId: string; lineNumber: number; columnNumber?: number } };

/** A sample: the program's frames, innermost first (at most 8). */
function keep(t: number, frames: Frame[]): void {
  const ids: number[] = [];
  for (const f of frames) {
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
  if (ids.length === 0) return; // paused in the recorder's own code
  const all = formatter.samples;
  all.push([t, ids]);
  if (++kept >= MAX_SAMPLES) {
    // Keep every other sample of this slice, and take them half as often.
    const first = all.length - kept;
    let w = first;
    for (let r = first; r < all.length; r += 2) all[w++] = all[r];
    all.length = w;
    kept = w - first;
    every *= 2;
  }
  if (all.length > 2000) formatter.samples = all.slice(-1000);
}

const timer = setInterval(watch, TICK);

const sink = new ChunkSink(fd, formatter, shared);
parentPort!.on('message', (msg: WriterMessage) => {
  // Before the program is told it may exit: a session still open then makes Node print "Waiting for the debugger to
  // disconnect...".
  sink.take(msg, () => {
    clearInterval(timer);
    session?.disconnect();
  });
  if (msg.last) parentPort!.close();
});
