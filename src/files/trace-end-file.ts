// How long a trace file runs, from its last bytes (model/trace-end.ts): read for a file too big for the timeline, whose
// message says so. The tail grows until it holds a clock record (writers start every flushed chunk with one; a
// generated 101 MB trace's chunks of 4096 records are ~100 KB), and gives up past TAIL_MAX.

import { closeSync, openSync, readSync } from 'node:fs';
import { endTimeOfTail } from '../model/trace-end.js';

const TAIL_FIRST = 64 << 10;
const TAIL_MAX = 4 << 20;

/** The latest time (ns since the trace's start) at the end of `file`, `size` bytes long; null when it cannot say. */
export function readTraceEnd(file: string, size: number): number | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    for (let n = TAIL_FIRST; ; n *= 4) {
      const len = Math.min(n, size);
      const buf = Buffer.alloc(len);
      const got = readSync(fd, buf, 0, len, size - len);
      const end = endTimeOfTail(buf.toString('utf8', 0, got));
      if (end !== null || len === size || n >= TAIL_MAX) return end;
    }
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
