// Live view of a served trace: the fetch worker (or, where no worker can start, the page) tails the file; chunks are
// decoded as one UTF-8 stream (a character split between two chunks stays whole) and handed on as `load` / `append`
// messages, with `more` while a burst continues so that the view rebuilds once per burst. A file larger than the
// page's budget is not read: `tooBig` instead, and the tailing stops.

import type { HostMessage, ViewerSource } from '../src/protocol/messages.js';
import { SHRUNK, tail, type TailChunk } from './tail.js';

type PollSource = Extract<ViewerSource, { kind: 'poll' }>;

/** The fetch worker's code, bundled by esbuild.mjs. */
declare const FETCH_WORKER_SOURCE: string;

export function startPolling(source: PollSource, emit: (message: HostMessage) => void): void {
  const decoder = new TextDecoder('utf-8');
  let first = true;
  /** The last message said `more`: the next one ends or continues that burst, even when empty. */
  let inBurst = false;
  let stop: () => void = () => undefined;
  /** Hands the chunk on; false once the tailing is to stop. */
  const onChunk = (c: TailChunk): boolean => {
    if (c.size > source.budgetBytes) {
      emit({ type: 'tooBig', name: source.name, bytes: c.size, budget: source.budgetBytes, endNs: c.end });
      stop();
      return false;
    }
    const text = decoder.decode(c.bytes, { stream: true });
    if (first) emit({ type: 'load', name: source.name, text, more: c.more });
    else if (text !== '' || inBurst) emit({ type: 'append', text, more: c.more });
    first = false;
    inBurst = c.more;
    return true;
  };
  const onError = (message: string) => emit({
    type: 'error',
    message: message === SHRUNK
      ? 'The trace file shrank or was replaced: reload the page to read it again.'
      : `Lost the connection to async-lanes view (${message}); the view shows what was read.`,
  });
  let worker: Worker;
  try {
    worker = new Worker(URL.createObjectURL(new Blob([FETCH_WORKER_SOURCE], { type: 'text/javascript' })));
  } catch {
    tail(source.url, source.intervalMs, onChunk).catch((err: unknown) => onError((err as Error).message));
    return;
  }
  stop = () => worker.terminate();
  worker.onmessage = (e: MessageEvent<TailChunk | { error: string }>) => {
    if ('error' in e.data) onError(e.data.error);
    else onChunk(e.data);
  };
  worker.postMessage({ url: new URL(source.url, location.href).href, intervalMs: source.intervalMs });
}
