// The standalone viewer's HTTP server, on 127.0.0.1 only: `/` is the page, `/trace?from=BYTE` answers the trace
// file's bytes from that offset (capped per answer, "X-Lanes-More: 1" when more remain), so the page tails a file
// that is still being written without re-reading it, and `/codicon.ttf` is the UI's icon font. Requests for any other
// host name are refused (DNS rebinding).

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { contentSecurityPolicy, FONT_PATH, newNonce, renderPage, type ViewerAssets } from './page.js';

/** Largest answer to one /trace request. */
export const CHUNK_BYTES = 8 << 20;
const POLL_MS = 500;

export interface ViewServer {
  url: string;
  close(): Promise<void>;
}

export function startViewServer(file: string, assets: ViewerAssets, port = 0): Promise<ViewServer> {
  const server = createServer((req, res) => {
    try {
      handle(req, res, file, assets, server);
    } catch (err) {
      send(res, 500, 'text/plain; charset=utf-8', `error: ${(err as Error).message}\n`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
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

function handle(req: IncomingMessage, res: ServerResponse, file: string, assets: ViewerAssets, server: Server): void {
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
    const page = renderPage(assets, { title: basename(file), nonce, config: { source: { kind: 'poll', name: basename(file), url: '/trace', intervalMs: POLL_MS } } });
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(nonce, true));
    send(res, 200, 'text/html; charset=utf-8', page);
  } else if (url.pathname === FONT_PATH) {
    send(res, 200, 'font/ttf', assets.font);
  } else if (url.pathname === '/trace') {
    const from = Number(url.searchParams.get('from') ?? '0');
    if (!Number.isSafeInteger(from) || from < 0) {
      send(res, 400, 'text/plain; charset=utf-8', 'bad offset\n');
      return;
    }
    const { bytes, size } = readFrom(file, from);
    if (bytes === null) {
      send(res, 409, 'text/plain; charset=utf-8', 'the file is shorter than the offset\n');
      return;
    }
    res.setHeader('X-Lanes-More', from + bytes.length < size ? '1' : '0');
    send(res, 200, 'application/octet-stream', bytes);
  } else {
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
}

/** Up to CHUNK_BYTES from `from`; null when the file is now shorter than `from` (replaced or truncated). */
function readFrom(file: string, from: number): { bytes: Buffer | null; size: number } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (from > size) return { bytes: null, size };
    const buf = Buffer.alloc(Math.min(CHUNK_BYTES, size - from));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: buf.subarray(0, got), size };
  } finally {
    closeSync(fd);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.end(body);
}
