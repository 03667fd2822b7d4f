// The standalone viewer's HTTP server, on 127.0.0.1 only: `/` is the page, `/trace/TOKEN?from=BYTE` answers the
// trace file's bytes from that offset (capped per answer, "X-Lanes-More: 1" when more remain, "X-Lanes-Size" the
// file's size: the page reads no file larger than its budget, and of such a file "X-Lanes-End" says where it ends in
// time, for its message), so the page tails a file that is still being written
// without re-reading it, and `/codicon.ttf` is the UI's icon font. A time window of a trace is served the same way,
// from memory (made once by the CLI). Requests for any
// other host name are refused (DNS rebinding); the trace goes only to the server's own page, which carries the
// per-run TOKEN (another page in the browser cannot read it, nor frame the page: frame-ancestors 'none'). Memory stays
// bounded whatever clients do: answers are streamed from the file with backpressure, at most MAX_STREAMS at once,
// over at most MAX_CONNECTIONS connections.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, fstat, open, close } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { CHUNK_BYTES } from '../files/tail.js';
import { readTraceEnd } from '../files/trace-end-file.js';
import { TIMELINE_BUDGET_BYTES } from '../model/timeline-budget.js';
import { contentSecurityPolicy, FONT_PATH, newNonce, renderPage, type ViewerAssets } from '../page/page.js';

const POLL_MS = 500;
/** Trace answers being streamed at once; more wait for a "503, retry" (a page pipelines two at most). */
const MAX_STREAMS = 8;
const MAX_CONNECTIONS = 64;

export interface ViewServer {
  url: string;
  close(): Promise<void>;
}

export interface ViewOptions {
  /** Default: a free one. */
  port?: number;
  /** Serve this text (a time window of the file, named `name`) instead of tailing the file. */
  window?: { text: string; name: string };
  /** The largest trace the page reads (default: TIMELINE_BUDGET_BYTES; tests set a small one). */
  budgetBytes?: number;
}

export function startViewServer(file: string, assets: ViewerAssets, options: ViewOptions = {}): Promise<ViewServer> {
  const run: Run = {
    file,
    assets,
    token: randomBytes(24).toString('base64url'),
    streams: 0,
    window: options.window ? { bytes: Buffer.from(options.window.text), name: options.window.name } : null,
    budgetBytes: options.budgetBytes ?? TIMELINE_BUDGET_BYTES,
  };
  const server = createServer((req, res) => {
    try {
      handle(req, res, run, server);
    } catch (err) {
      send(res, 500, 'text/plain; charset=utf-8', `error: ${(err as Error).message}\n`);
    }
  });
  server.maxConnections = MAX_CONNECTIONS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${bound}/`,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

interface Run {
  file: string;
  assets: ViewerAssets;
  /** The per-run secret in the page's trace URL. */
  token: string;
  /** Trace answers being streamed now. */
  streams: number;
  /** A time window served instead of the file. */
  window: { bytes: Buffer; name: string } | null;
  budgetBytes: number;
}

function handle(req: IncomingMessage, res: ServerResponse, run: Run, server: Server): void {
  const { port } = server.address() as AddressInfo;
  if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`) {
    send(res, 403, 'text/plain; charset=utf-8', 'forbidden host\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  if (url.pathname === '/') {
    const nonce = newNonce();
    const name = run.window?.name ?? basename(run.file);
    const source = { kind: 'poll' as const, name, url: `/trace/${run.token}`, intervalMs: POLL_MS, live: run.window === null, budgetBytes: run.budgetBytes };
    res.setHeader('Content-Security-Policy', contentSecurityPolicy('served', nonce, '', false));
    res.setHeader('X-Frame-Options', 'DENY');
    send(res, 200, 'text/html; charset=utf-8', renderPage({ title: name, nonce, config: { source }, home: { kind: 'served', assets: run.assets } }));
  } else if (url.pathname === FONT_PATH) {
    send(res, 200, 'font/ttf', run.assets.font);
  } else if (url.pathname.startsWith('/trace/')) {
    if (!sameToken(url.pathname.slice('/trace/'.length), run.token)) {
      send(res, 403, 'text/plain; charset=utf-8', 'the trace is served to its own page only\n');
      return;
    }
    const from = Number(url.searchParams.get('from') ?? '0');
    if (!Number.isSafeInteger(from) || from < 0) {
      send(res, 400, 'text/plain; charset=utf-8', 'bad offset\n');
      return;
    }
    if (run.streams >= MAX_STREAMS) {
      res.setHeader('Retry-After', '1');
      send(res, 503, 'text/plain; charset=utf-8', 'busy, retry\n');
      return;
    }
    if (run.window) sendWindow(run.window.bytes, from, res);
    else streamFrom(run, from, res);
  } else {
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Streams up to CHUNK_BYTES of the file from `from` (409 when the file is now shorter: replaced or truncated). The
 * file is read as the client takes the answer, 64 KiB at a time: a client that stops reading holds no more. */
function streamFrom(run: Run, from: number, res: ServerResponse): void {
  run.streams++;
  let released = false;
  const release = () => {
    if (!released) {
      released = true;
      run.streams--;
    }
  };
  res.once('close', release);
  open(run.file, 'r', (err, fd) => {
    if (err) {
      release();
      send(res, 500, 'text/plain; charset=utf-8', `error: ${err.message}\n`);
      return;
    }
    fstat(fd, (err2, st) => {
      if (err2 || from > st.size) {
        close(fd, () => undefined);
        release();
        if (err2) send(res, 500, 'text/plain; charset=utf-8', `error: ${err2.message}\n`);
        else send(res, 409, 'text/plain; charset=utf-8', 'the file is shorter than the offset\n');
        return;
      }
      const length = Math.min(CHUNK_BYTES, st.size - from);
      traceHeaders(res, from, length, st.size);
      if (st.size > run.budgetBytes) {
        const end = readTraceEnd(run.file, st.size);
        if (end !== null) res.setHeader('X-Lanes-End', String(end));
      }
      if (length === 0) {
        close(fd, () => undefined);
        res.end();
        return;
      }
      const stream = createReadStream('', { fd, start: from, end: from + length - 1, highWaterMark: 64 << 10 });
      stream.on('error', () => res.destroy());
      res.once('close', () => stream.destroy());
      stream.pipe(res);
    });
  });
}

/** The window's text from `from` (capped like a file's answer). */
function sendWindow(bytes: Buffer, from: number, res: ServerResponse): void {
  if (from > bytes.length) {
    send(res, 409, 'text/plain; charset=utf-8', 'the trace is shorter than the offset\n');
    return;
  }
  const length = Math.min(CHUNK_BYTES, bytes.length - from);
  traceHeaders(res, from, length, bytes.length);
  res.end(bytes.subarray(from, from + length));
}

function traceHeaders(res: ServerResponse, from: number, length: number, size: number): void {
  res.statusCode = 200;
  headers(res, 'application/octet-stream');
  res.setHeader('Content-Length', String(length));
  res.setHeader('X-Lanes-More', from + length < size ? '1' : '0');
  res.setHeader('X-Lanes-Size', String(size));
}

function headers(res: ServerResponse, type: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  headers(res, type);
  res.end(body);
}
