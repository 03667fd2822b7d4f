// Export Trace…: a .lanes file as Chrome Trace Event JSON (opened by ui.perfetto.dev and chrome://tracing), read and
// written as a stream (the same as the CLI's export), so that a huge trace is never held in memory.

import { closeSync, openSync, writeSync } from 'node:fs';
import { streamChromeTrace } from '../exporters/chrome-stream.js';
import { streamTraceFile } from '../files/trace-file.js';

/** Writes `traceFile`'s Chrome JSON to `outFile`; returns the number of events. Throws with a clear message. */
export async function exportChromeJson(traceFile: string, outFile: string): Promise<number> {
  let fd: number;
  try {
    fd = openSync(outFile, 'w');
  } catch (err) {
    throw new Error(`cannot write "${outFile}": ${(err as Error).message}`);
  }
  try {
    return await streamChromeTrace((stream) => streamTraceFile(traceFile, stream), (text) => {
      try {
        writeSync(fd, text);
      } catch (err) {
        throw new Error(`cannot write "${outFile}": ${(err as Error).message}`);
      }
    });
  } finally {
    closeSync(fd);
  }
}
