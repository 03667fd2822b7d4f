// What becomes of each message from the program's thread: a chunk is formatted (format.ts) and appended to the
// trace, a debugger's pause is noted (the slice it stopped is no blocked loop), and the message is counted written
// (the program's thread waits on that count at a pause and at exit). Run by the writer thread, and under a debugger
// by the program's own thread (preload.ts says why).

import { closeSync, writeSync } from 'node:fs';
import { Shared, type Chunk } from './codes.js';
import type { TraceFormatter } from './format.js';

export interface WriterMessage {
  chunk?: Chunk;
  last?: boolean;
  pause?: number;
}

export class ChunkSink {
  constructor(
    private readonly fd: number,
    readonly formatter: TraceFormatter,
    private readonly shared: Int32Array,
  ) {}

  /** `beforeClose` runs before the last message closes the trace. */
  take(msg: WriterMessage, beforeClose?: () => void): void {
    const f = this.formatter;
    if (msg.pause !== undefined) f.pauses = [...f.pauses.slice(-63), msg.pause];
    if (msg.chunk) {
      try {
        for (const bytes of f.format(msg.chunk)) writeSync(this.fd, bytes);
      } catch {
        // the disk is full or the file went away: the program runs on regardless
      }
      if (msg.chunk.seg >= 0) Atomics.store(this.shared, Shared.Busy + msg.chunk.seg, 0);
    }
    if (msg.last) {
      beforeClose?.();
      closeSync(this.fd);
    }
    Atomics.add(this.shared, Shared.Written, 1);
    Atomics.notify(this.shared, Shared.Written);
  }
}
