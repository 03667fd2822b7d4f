// Trace files on disk, for every Node-side reader (CLI, viewer server, extension host): what may be opened as a
// trace, loading one in a stream, and the notices about a damaged or cut-off one. One clear message for each way it
// can fail, as a TraceFileError.

import { createReadStream, statSync, type Stats } from 'node:fs';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readNotices } from '../model/notices.js';
import { TraceFormatError, TraceParser } from '../model/parser.js';
import { TraceStream, type StreamView } from '../model/stream.js';
import type { TraceData } from '../model/types.js';

/** An expected failure to read a trace file; the message names the file and says why. */
export class TraceFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceFileError';
  }
}

/** Throws unless `file` is a regular file that can be read: a directory, a FIFO (whose read would wait for a writer
 * forever), a socket or a device is refused with what it is. */
export function checkTraceFile(file: string): Stats {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (err) {
    throw new TraceFileError(`cannot read "${file}": ${reason(err)}`);
  }
  if (st.isFile()) return st;
  const what = st.isDirectory()
    ? 'a directory'
    : st.isFIFO()
      ? 'a FIFO (named pipe)'
      : st.isSocket()
        ? 'a socket'
        : st.isCharacterDevice() || st.isBlockDevice()
          ? 'a device'
          : 'not a regular file';
  throw new TraceFileError(`"${file}" is ${what}, not a trace file`);
}

/** The whole trace, read in a stream (a large or foreign file is rejected or read without holding it twice). */
export async function loadTraceFile(file: string): Promise<TraceData> {
  checkTraceFile(file);
  const parser = new TraceParser();
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8' })) parser.push(chunk as string);
    return parser.end();
  } catch (err) {
    if (err instanceof TraceFormatError) throw new TraceFileError(`${file}: ${err.message}`);
    throw new TraceFileError(`cannot read "${file}": ${reason(err)}`);
  }
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return err instanceof Error ? err.message : String(err);
}

/** Notices about a damaged or cut-off trace, one line each (from its TraceData, or a TraceView's meta); the texts are
 * the timeline's too (model/notices.ts). */
export function traceNotices(data: Pick<TraceData, 'notices' | 'skipped' | 'firstSkippedLine' | 'truncated'>): string[] {
  return readNotices({ ...data, midRecord: data.truncated }).map((n) => n.text);
}

/** Reads the trace in one pass into a streaming view (model/stream.ts): tallies per task, not every record, so that
 * the memory used does not grow with the trace's length. The stream's hooks see the figures as they become final. */
export async function streamTraceFile(file: string, stream: TraceStream = new TraceStream({}, { keepTallies: false }), heap = new HeapKeeper()): Promise<StreamView> {
  checkTraceFile(file);
  const parser = new TraceParser(stream.makeData);
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      parser.push(chunk as string);
      heap.check();
    }
    parser.end();
  } catch (err) {
    if (err instanceof TraceFormatError) throw new TraceFileError(`${file}: ${err.message}`);
    throw new TraceFileError(`cannot read "${file}": ${reason(err)}`);
  }
  return stream.finish();
}

/** Keeps a streaming read's heap near what it holds. V8 lets garbage pile up to a large share of its limit (GBs on a
 * large machine) before collecting the old generation, and a read that keeps records for a while (the time-order
 * window) promotes every record to it: without this a 1 GB trace's report grew to several hundred MB of garbage. A
 * full collection is asked for when the heap has grown by a quarter of what the last one left, at least 64 MB (at
 * least 96 MB in all): a few dozen of ~0.1-0.2 s over a 1 GB trace. (Growth by half, as before, let the 1 GB report
 * peak at ~550 MB with ~230 MB live.) */
export class HeapKeeper {
  private readonly gc: (() => void) | null = exposeGc();
  private budget: number;

  /** `minMb`, `growMb`: a reader that must stay small (the language server's) collects sooner. */
  constructor(private readonly minMb = 96, private readonly growMb = 64) {
    this.budget = minMb << 20;
  }

  check(): void {
    if (this.gc === null) return;
    if (getHeapStatistics().used_heap_size < this.budget) return;
    this.gc();
    const live = getHeapStatistics().used_heap_size;
    this.budget = Math.max(this.minMb << 20, live + Math.max(this.growMb << 20, live / 4));
  }
}

/** V8's gc() without --expose-gc on the command line (the flag turned on, then the function taken from a new context). */
function exposeGc(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}
