// Chrome Trace Event JSON of a trace too large to hold, in bounded memory: the CLI's `export` and the extension's
// Export command both call streamChromeTrace. Reading the file is the caller's (src/files' streamTraceFile), so that
// this stays pure TypeScript like the rest of the exporters.

import { findFindings } from '../model/findings.js';
import { taskTitle } from '../model/task-label.js';
import type { TraceMeta } from '../model/index.js';
import { TraceStream, type StreamView } from '../model/stream.js';
import {
  blockSlice, callbackSlice, findingEvent, processEvent, startSlice, stepSlices, trackEvents, wakeEvents, workSlice, type ChromeEvent,
} from './chrome.js';

/** Reads the whole trace through `stream` and returns its view (streamTraceFile(file, stream)). */
export type ReadTrace = (stream: TraceStream) => Promise<StreamView>;

/** Text written at once: events are gathered into pieces of about this many characters. */
const PIECE_CHARS = 1 << 20;

/** Writes the trace's Chrome JSON through `write`, in pieces of about 1 MB; returns the number of events. A first
 * read gives the tasks (their tracks), executor threads and findings (`first` sees its meta: notices); a second one
 * writes each step's slices and wake arrow as its figures become final. The same events as toChromeTrace's (same
 * builders), in reading order. */
export async function streamChromeTrace(read: ReadTrace, write: (text: string) => void, first?: (meta: TraceMeta) => void): Promise<number> {
  let buf = '{\n"traceEvents":[';
  let n = 0;
  const emit = (e: ChromeEvent | null): void => {
    if (e === null) return;
    buf += (n++ === 0 ? '\n' : ',\n') + JSON.stringify(e);
    if (buf.length > PIECE_CHARS) {
      write(buf);
      buf = '';
    }
  };
  const { cwd, taskTid, threadTid, tail } = await firstRead(read, emit, first);
  let flow = 0;
  await read(new TraceStream({
    taskStart: (task, firstStep) => emit(startSlice(taskTid.get(task.id)!, task, firstStep)),
    step: (task, step, next, from) => {
      const tid = taskTid.get(task.id)!;
      stepSlices(tid, step, cwd, emit);
      if (next === null || from === null) return;
      const fromTid = from.task !== null ? taskTid.get(from.task) : threadTid.get(from.thread!);
      if (fromTid === undefined) return;
      for (const e of wakeEvents(++flow, fromTid, from.ts, tid, next)) emit(e);
    },
    callback: (c) => emit(callbackSlice(c, cwd)),
    work: (w) => emit(workSlice(threadTid.get(w.thread)!, w, cwd)),
  }, { keepTallies: false }));
  for (const e of tail) emit(e);
  write(buf + '],\n"displayTimeUnit":"ns"\n}\n');
  return n;
}

/** The first read: the tracks (written), and what the second read and the end of the file need. The rest of the
 * first read's view is let go before the second read, which holds as much again. */
async function firstRead(read: ReadTrace, emit: (e: ChromeEvent | null) => void, onMeta?: (meta: TraceMeta) => void) {
  const first = await read(new TraceStream({}, { keepTallies: false }));
  onMeta?.(first.meta);
  const cwd = first.meta.header.cwd;
  const taskTid = new Map<number, number>();
  emit(processEvent(first.meta.header));
  for (const e of trackEvents(1, 'event loop', 0)) emit(e);
  first.tasks.forEach((task, i) => {
    taskTid.set(task.id, 2 + i);
    for (const e of trackEvents(2 + i, taskTitle(task), i + 1)) emit(e);
  });
  const threadTid = new Map<number, number>();
  first.threads.filter((th) => (first.workCount.get(th.id) ?? 0) > 0).forEach((th, i) => {
    threadTid.set(th.id, 2 + first.tasks.length + i);
    for (const e of trackEvents(2 + first.tasks.length + i, th.name, first.tasks.length + 1 + i)) emit(e);
  });
  const tail = [
    ...first.blocks.map((b) => blockSlice(first, b, cwd)),
    ...findFindings(first).map((f) => findingEvent(f, f.taskId !== null ? taskTid.get(f.taskId) : undefined)),
  ];
  return { cwd, taskTid, threadTid, tail };
}
