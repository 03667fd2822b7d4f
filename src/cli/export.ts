// `async-lanes export FILE [--format chrome] [-o OUT]`

import { closeSync, openSync, writeSync } from 'node:fs';
import {
  blockSlice, callbackSlice, findingEvent, processEvent, startSlice, stepSlices, trackEvents, wakeEvents, workSlice, type ChromeEvent,
} from '../exporters/chrome.js';
import { findFindings } from '../model/findings.js';
import { taskLabel } from '../model/format.js';
import { optionValue, parseArgs } from './args.js';
import { CliError } from './errors.js';
import type { Io } from './io.js';
import { streamTraceFile, traceNotices } from '../files/trace-file.js';
import { TraceStream } from '../model/stream.js';
import { singleFile } from './report.js';

export const EXPORT_HELP = `Usage: async-lanes export FILE [--format chrome] [-o OUT]

Converts a trace for other tools.

Options:
  --format chrome   Chrome Trace Event JSON, opened by https://ui.perfetto.dev and chrome://tracing
                    (the default and, for now, the only format)
  -o, --output OUT  where to write (default: FILE with a .json extension; "-" for stdout)
  -h, --help        show this help

The trace is read twice (first its tasks and findings, then its steps, written as they are read), in
memory that grows with its tasks, not its length. The events are the same as the viewer's export, but
in the order they are read (tracks interleaved, wake arrows numbered in that order), not grouped by
track: Perfetto and chrome://tracing sort them.
`;

export async function exportCommand(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, [
    { names: ['--format'], takesValue: true },
    { names: ['-o', '--output'], takesValue: true },
    { names: ['-h', '--help'], takesValue: false },
  ], 'export');
  if (args.options.has('help')) {
    io.out(EXPORT_HELP);
    return 0;
  }
  const format = optionValue(args, 'format') ?? 'chrome';
  if (format !== 'chrome') throw new CliError(`unknown export format "${format}" (supported: chrome)`);
  const file = singleFile(args.positionals, 'export');
  const out = optionValue(args, 'output') ?? file.replace(/\.lanes$/, '') + '.json';
  let fd: number | undefined;
  try {
    if (out !== '-') fd = openSync(out, 'w');
  } catch (err) {
    throw new CliError(`cannot write "${out}": ${(err as Error).message}`);
  }
  try {
    await streamChromeTrace(file, io, (text) => {
      if (fd === undefined) io.out(text);
      else {
        try {
          writeSync(fd, text);
        } catch (err) {
          throw new CliError(`cannot write "${out}": ${(err as Error).message}`);
        }
      }
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (out !== '-') io.err(`async-lanes: wrote ${out} — open it in https://ui.perfetto.dev or chrome://tracing`);
  return 0;
}

/** The Chrome Trace Event JSON of a trace file, in bounded memory: a first streaming read gives the tasks (their
 * tracks), executor threads and findings; a second one writes each step's slices and wake arrow as its figures
 * become final. The same events as toChromeTrace's (same builders), in reading order. */
export async function streamChromeTrace(file: string, io: Io, write: (text: string) => void): Promise<void> {
  let buf = '{\n"traceEvents":[';
  let n = 0;
  const emit = (e: ChromeEvent | null): void => {
    if (e === null) return;
    buf += (n++ === 0 ? '\n' : ',\n') + JSON.stringify(e);
    if (buf.length > 1 << 20) {
      write(buf);
      buf = '';
    }
  };
  const { cwd, taskTid, threadTid, tail } = await firstRead(file, io, emit);
  let flow = 0;
  await streamTraceFile(file, new TraceStream({
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
}

/** The first read: the tracks (written), and what the second read and the end of the file need. The rest of the
 * first read's view is let go before the second read, which holds as much again. */
async function firstRead(file: string, io: Io, emit: (e: ChromeEvent | null) => void) {
  const first = await streamTraceFile(file);
  for (const notice of traceNotices(first.meta)) io.err(`async-lanes: notice: ${notice}`);
  const cwd = first.meta.header.cwd;
  const taskTid = new Map<number, number>();
  emit(processEvent(first.meta.header));
  for (const e of trackEvents(1, 'event loop', 0)) emit(e);
  first.tasks.forEach((task, i) => {
    taskTid.set(task.id, 2 + i);
    for (const e of trackEvents(2 + i, taskLabel(task), i + 1)) emit(e);
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
