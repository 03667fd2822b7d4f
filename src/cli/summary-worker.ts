// `record`'s closing summary, read in a worker thread with a heap limit of its own: whatever the trace holds, its
// reading can fail (and the summary line says so) but never take the recording process down with it.

import { parentPort, workerData } from 'node:worker_threads';
import { streamTraceFile } from '../files/trace-file.js';
import { findFindings } from '../model/findings.js';

async function main(): Promise<void> {
  const view = await streamTraceFile((workerData as { file: string }).file);
  parentPort!.postMessage({ tasks: view.tasks.length, findings: findFindings(view).length });
}

main().catch((err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) }));
