// A time window of a trace, read from memory the way FileTail reads a file (in CHUNK_BYTES parts), so that a
// Timeline shows it like any trace. It never grows.

import { CHUNK_BYTES, type TailRead } from '../files/tail.js';

export class TextTail {
  private offset = 0;

  constructor(private readonly text: string) {}

  get bytesRead(): number {
    return this.offset;
  }

  read(): TailRead {
    const first = this.offset === 0;
    const text = this.text.slice(this.offset, this.offset + CHUNK_BYTES);
    this.offset += text.length;
    return { kind: 'text', text, more: this.offset < this.text.length, first };
  }
}
