// Reads one recording in a worker thread (loaded-trace.ts), so that the server answers hovers and lenses while a
// large trace is read; `follow`: a recording still being written, read as it grows until it ends. Bundled next to the
// server as load-worker.js (out/load-worker.js; out/src/server/ for the CLI).

import { parentPort, workerData } from 'node:worker_threads';
import { followTrace, loadTrace } from './loaded-trace.js';
import type { TraceFileInfo } from './recording-files.js';

const { info, roots, follow } = workerData as { info: TraceFileInfo; roots: string[]; follow: boolean };
(follow ? followTrace(info.file, roots) : loadTrace(info, roots)).then(
  (trace) => parentPort!.postMessage({ trace }),
  (err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) }),
);
