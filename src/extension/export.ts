// Export Trace…: a .lanes file as Chrome Trace Event JSON (opened by ui.perfetto.dev and chrome://tracing), written
// in pieces so that a huge trace never becomes one string.

import { closeSync, openSync, writeSync } from 'node:fs';
import { loadTraceFile } from '../files/trace-file.js';
import { jsonChunks } from '../files/json.js';
import { toChromeTrace } from '../exporters/chrome.js';
import { TraceIndex } from '../model/index.js';

/** Writes `traceFile`'s Chrome JSON to `outFile`; returns the number of events. Throws with a clear message. */
export async function exportChromeJson(traceFile: string, outFile: string): Promise<number> {
  const trace = toChromeTrace(new TraceIndex(await loadTraceFile(traceFile)));
  let fd: number | undefined;
  try {
    fd = openSync(outFile, 'w');
    for (const chunk of jsonChunks(trace)) writeSync(fd, chunk);
  } catch (err) {
    throw new Error(`cannot write "${outFile}": ${(err as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return trace.traceEvents.length;
}
