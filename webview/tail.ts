// Tailing a served trace: GET `url?from=OFFSET` answers the bytes appended since OFFSET (the server caps an answer;
// "X-Lanes-More: 1" says more is there already). A burst of capped answers is pipelined (the next request is in
// flight while a chunk is handed on); once caught up it polls every `intervalMs`. Runs in the fetch worker, or on
// the page itself where a worker cannot be started.

export interface TailChunk {
  bytes: Uint8Array;
  /** More bytes are there already: the next chunk follows at once. */
  more: boolean;
  /** The file's size when the answer was made. */
  size: number;
  /** Where the trace ends in time (ns), sent for a file over the page's budget; null otherwise. */
  end: number | null;
}

/** The file is now shorter than what was read: it was replaced or truncated. */
export const SHRUNK = 'shrunk';

async function fetchChunk(url: string, from: number): Promise<TailChunk> {
  let res = await fetch(`${url}?from=${from}`, { cache: 'no-store' });
  // 503: the server streams as many answers as it allows at once (other tabs of the same trace); it says when to retry.
  while (res.status === 503) {
    await new Promise((r) => setTimeout(r, 1000 * (Number(res.headers.get('Retry-After')) || 1)));
    res = await fetch(`${url}?from=${from}`, { cache: 'no-store' });
  }
  if (res.status === 409) throw new Error(SHRUNK);
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const end = res.headers.get('X-Lanes-End');
  return { bytes, more: res.headers.get('X-Lanes-More') === '1', size: Number(res.headers.get('X-Lanes-Size') ?? from + bytes.length), end: end === null ? null : Number(end) };
}

/** Calls `chunk` for every answer (empty ones included) until it returns false (the promise resolves then) or a
 * request fails (it rejects). */
export async function tail(url: string, intervalMs: number, chunk: (c: TailChunk) => boolean): Promise<void> {
  let offset = 0;
  let next = fetchChunk(url, 0);
  for (;;) {
    const c = await next;
    offset += c.bytes.length;
    if (c.more) next = fetchChunk(url, offset);
    if (!chunk(c)) return;
    if (!c.more) {
      await new Promise((r) => setTimeout(r, intervalMs));
      next = fetchChunk(url, offset);
    }
  }
}
