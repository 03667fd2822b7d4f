// Reads a trace file that may still be growing, by byte offset: each read returns only the text appended since the
// last one (at most CHUNK_BYTES at a time), decoded as one UTF-8 stream so that a character split between two reads
// stays whole. The served viewer's page tails the same way over HTTP (/trace/TOKEN?from=BYTE, src/viewer/server.ts,
// answers of at most CHUNK_BYTES). Pure Node.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Largest piece handed on at once (a large file arrives in parts), here and by the viewer's server. */
export const CHUNK_BYTES = 8 << 20;

export type TailRead =
  /** New text (possibly empty); `more`: more bytes are there already. `first`: the first text of the file. */
  | { kind: 'text'; text: string; more: boolean; first: boolean }
  /** The file does not exist (yet). */
  | { kind: 'missing' }
  /** The file is now shorter than what was read: it was replaced or truncated; the next read starts over. */
  | { kind: 'shrunk' };

export class FileTail {
  private offset = 0;
  private decoder = new StringDecoder('utf8');

  /** `chunkBytes`: the largest piece read at once (a reader that must stay small reads less). */
  constructor(readonly file: string, private readonly chunkBytes = CHUNK_BYTES) {}

  /** Bytes read so far. */
  get bytesRead(): number {
    return this.offset;
  }

  read(): TailRead {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw err;
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) {
        this.offset = 0;
        this.decoder = new StringDecoder('utf8');
        return { kind: 'shrunk' };
      }
      const buf = Buffer.alloc(Math.min(this.chunkBytes, size - this.offset));
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
      const first = this.offset === 0;
      this.offset += got;
      return { kind: 'text', text: this.decoder.write(buf.subarray(0, got)), more: this.offset < size, first };
    } finally {
      closeSync(fd);
    }
  }
}
