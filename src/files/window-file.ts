// A time window of a trace file (model/time-window.ts), read in a stream: for a trace too big for the timeline, by
// `async-lanes view --from/--to` and VS Code's Open Time Window. Stops reading once nothing later can fall in the
// window, or once the window's own text passes `limitBytes` (then it is too big to show as well).

import { createReadStream } from 'node:fs';
import { formatDuration } from '../model/format.js';
import { TraceWindow } from '../model/time-window.js';
import { formatSize } from '../model/timeline-budget.js';
import { checkTraceFile, TraceFileError } from './trace-file.js';

export interface WindowRead {
  /** The window as a trace of its own. */
  text: string;
  /** Records that lie in the window. */
  kept: number;
  /** The latest time read (ns since the trace's start): where the trace ends when the window lies past it. */
  lastTime: number;
  /** The window's text passed `limitBytes` (counted in characters, which a trace's mostly ASCII text is in bytes):
   * reading stopped there. */
  overLimit: boolean;
}

export async function readTraceWindow(file: string, from: number, to: number, limitBytes: number): Promise<WindowRead> {
  checkTraceFile(file);
  const w = new TraceWindow(from, to);
  const parts: string[] = [];
  let length = 0;
  let overLimit = false;
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      const out = w.push(chunk as string);
      parts.push(out);
      length += out.length;
      if (length > limitBytes) overLimit = true;
      if (overLimit || w.done) break;
    }
  } catch (err) {
    throw new TraceFileError(`cannot read "${file}": ${(err as Error).message}`);
  } finally {
    stream.destroy();
  }
  if (!overLimit) parts.push(w.end());
  return { text: parts.join(''), kept: w.kept, lastTime: w.lastTime, overLimit };
}

/** What is wrong with a window that was read, said to the person who chose it; null when it can be shown. */
export function windowProblem(r: WindowRead, from: number, limitBytes: number): string | null {
  if (r.overLimit) return `this time window alone is more than ${formatSize(limitBytes)}, more than the timeline holds: choose a shorter one`;
  if (r.kept === 0 && r.lastTime < from) return `the trace ends at ${formatDuration(r.lastTime)}: nothing lies after ${formatDuration(from)}`;
  return null;
}
