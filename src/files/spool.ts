// Lists too long to keep in memory while a large trace is read (the JSON report's callbacks, work and futures): their
// entries, as JSON text, wait in memory up to a few MB and then in a temporary file, and are read back in order.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

const MEMORY_CHARS = 2 << 20;

/** JSON text already made (a list entry spooled to disk), written as is by the CLI's jsonChunks. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A private temporary folder, removed by dispose() (and at the latest when the process exits). */
class TempDir {
  private dir: string | null = null;
  private n = 0;

  file(): string {
    if (this.dir === null) {
      this.dir = mkdtempSync(join(tmpdir(), 'async-lanes-'));
      process.once('exit', () => this.dispose());
    }
    return join(this.dir, `${this.n++}`);
  }

  dispose(): void {
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}

/** Bytes a spool file is read back in at a time; a merge reads this much from every run at once. */
const READ_BLOCK = 1 << 20;
const MERGE_BLOCK = 64 << 10;

/** The lines of a file, read in blocks (a character cut at a block's end is completed by the next block). */
function* fileLines(path: string, block = READ_BLOCK): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(block);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const lines = (rest + decoder.write(buf.subarray(0, n))).split('\n');
      rest = lines.pop()!;
      for (const l of lines) yield l;
    }
    rest += decoder.end();
    if (rest !== '') yield rest;
  } finally {
    closeSync(fd);
  }
}

/** Entries in the order they are added. */
export class Spool {
  private readonly temp = new TempDir();
  private buf: string[] = [];
  private chars = 0;
  private fd: number | null = null;
  private path: string | null = null;

  add(json: string): void {
    this.buf.push(json);
    this.chars += json.length + 1;
    if (this.chars > MEMORY_CHARS) this.spill();
  }

  private spill(): void {
    if (this.fd === null) this.fd = openSync((this.path = this.temp.file()), 'w');
    writeSync(this.fd, this.buf.join('\n') + '\n');
    this.buf = [];
    this.chars = 0;
  }

  *items(): Generator<RawJson> {
    if (this.fd !== null) {
      this.spill();
      closeSync(this.fd);
      this.fd = null;
      for (const line of fileLines(this.path!)) yield new RawJson(line);
    }
    for (const json of this.buf) yield new RawJson(json);
  }

  dispose(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.temp.dispose();
  }
}

/** Entries read back in the order of their keys (key, then key2; ties: the order added), through sorted runs merged
 * at the end. */
export class SortedSpool {
  private readonly temp = new TempDir();
  private keys: number[] = [];
  private keys2: number[] = [];
  private texts: string[] = [];
  private chars = 0;
  private readonly runs: string[] = [];

  add(key: number, key2: number, json: string): void {
    this.keys.push(key);
    this.keys2.push(key2);
    this.texts.push(json);
    this.chars += json.length + 24;
    if (this.chars > MEMORY_CHARS) this.spill();
  }

  private sorted(): number[] {
    const order = this.keys.map((_, i) => i);
    order.sort((a, b) => this.keys[a] - this.keys[b] || this.keys2[a] - this.keys2[b] || a - b);
    return order;
  }

  private spill(): void {
    const path = this.temp.file();
    const fd = openSync(path, 'w');
    try {
      let out = '';
      for (const i of this.sorted()) {
        out += `${this.keys[i]}\t${this.keys2[i]}\t${this.texts[i]}\n`;
        if (out.length > 1 << 20) {
          writeSync(fd, out);
          out = '';
        }
      }
      writeSync(fd, out);
    } finally {
      closeSync(fd);
    }
    this.runs.push(path);
    this.keys = [];
    this.keys2 = [];
    this.texts = [];
    this.chars = 0;
  }

  *items(): Generator<RawJson> {
    if (this.runs.length === 0) {
      for (const i of this.sorted()) yield new RawJson(this.texts[i]);
      return;
    }
    if (this.keys.length > 0) this.spill();
    // k-way merge of the runs (ties: the earlier run, as added), each read in small blocks: a 1 GB trace's futures
    // make a hundred runs or more.
    const heads = this.runs.map((p) => fileLines(p, MERGE_BLOCK));
    const cur: (Keyed | null)[] = heads.map((h) => next(h));
    // The runs in a binary heap by their current entry (a scan of every run per entry cost entries × runs).
    const before = (a: number, b: number): boolean => {
      const x = cur[a]!;
      const y = cur[b]!;
      return x.key < y.key || (x.key === y.key && (x.key2 < y.key2 || (x.key2 === y.key2 && a < b)));
    };
    const heap = cur.map((_, i) => i).filter((i) => cur[i] !== null);
    const down = (i: number): void => {
      for (;;) {
        let c = 2 * i + 1;
        if (c >= heap.length) return;
        if (c + 1 < heap.length && before(heap[c + 1], heap[c])) c++;
        if (!before(heap[c], heap[i])) return;
        [heap[i], heap[c]] = [heap[c], heap[i]];
        i = c;
      }
    };
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    while (heap.length > 0) {
      const run = heap[0];
      yield new RawJson(cur[run]!.text);
      cur[run] = next(heads[run]);
      if (cur[run] === null) {
        heap[0] = heap[heap.length - 1];
        heap.pop();
      }
      down(0);
    }
  }

  dispose(): void {
    this.temp.dispose();
  }
}

interface Keyed {
  key: number;
  key2: number;
  text: string;
}

function next(lines: Generator<string>): Keyed | null {
  const r = lines.next();
  if (r.done) return null;
  const tab = r.value.indexOf('\t');
  const tab2 = r.value.indexOf('\t', tab + 1);
  return { key: Number(r.value.slice(0, tab)), key2: Number(r.value.slice(tab + 1, tab2)), text: r.value.slice(tab2 + 1) };
}
