// The trace of an offline page (`view --html`): gzip in base64 in a data block (src/page/page.ts). The browser
// decompresses it as a stream whose text goes on as `load` / `append` messages with `more` while it continues, as a
// served trace's chunks do (poll.ts): the page parses the trace as it is decompressed and never holds its whole text.

import type { HostMessage } from '../src/protocol/messages.js';

const SLICE_BYTES = 1 << 20;

export async function readInline(name: string, base64: string, emit: (message: HostMessage) => void): Promise<void> {
  try {
    const gzip = fromBase64(base64);
    // Slices pulled from memory: a Blob's stream would be read through the browser process, slow when it is busy.
    let at = 0;
    const input = new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull: (c) => {
        c.enqueue(gzip.subarray(at, (at += SLICE_BYTES)));
        if (at >= gzip.length) c.close();
      },
    });
    const text = input.pipeThrough(new DecompressionStream('gzip')).pipeThrough(new TextDecoderStream());
    let first = true;
    for (const reader = text.getReader(); ; ) {
      const { done, value } = await reader.read();
      if (done) break;
      emit(first ? { type: 'load', name, text: value, more: true } : { type: 'append', text: value, more: true });
      first = false;
    }
    emit(first ? { type: 'load', name, text: '' } : { type: 'append', text: '', more: false });
  } catch (err) {
    emit({ type: 'error', message: `The trace in this page is damaged (${(err as Error).message}).` });
  }
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  // Uint8Array.fromBase64 (Chromium 140+, Firefox 133+, Safari 18.2+) decodes without a binary string in between.
  const native = Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array<ArrayBuffer> };
  if (native.fromBase64) return native.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
