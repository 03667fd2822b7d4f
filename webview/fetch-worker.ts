// The fetch worker: tails the served trace off the page's main thread, so that downloading a large file does not
// wait for the page to parse what already arrived. Chunks are transferred (not copied) to the page.
// Messages: in { url (absolute), intervalMs }; out { bytes, more, size } per chunk, or { error } once. The page
// terminates the worker when it wants no more.

import { tail } from './tail.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<{ url: string; intervalMs: number }>) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = (e) => {
  const { url, intervalMs } = e.data;
  tail(url, intervalMs, (c) => {
    scope.postMessage(c, [c.bytes.buffer]);
    return true;
  }).catch((err: unknown) => {
    scope.postMessage({ error: err instanceof Error ? err.message : String(err) });
  });
};
