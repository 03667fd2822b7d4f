// Turns the recorder's numeric chunks (codes.ts) into `.lanes` NDJSON (docs/trace-format.md). Runs on the writer
// thread (writer.ts), which shares two cores with the program and must keep up with it: one pass, records in the
// order they were made (the format allows negative deltas; sorting cost more than the rest), written as bytes
// straight into one buffer (numbers digit by digit, fixed words and repeated texts pre-encoded), with no string or
// object per record. Sites are written when first referenced, at their original file and line (source maps,
// resolved once per site).

import { dirname } from 'node:path';
import { EXIT_HOWS, FUT_KINDS, Op, VIAS, WARN_KINDS, type Chunk } from './codes.js';
import { mapOfFile, parseMap, type SourceMap } from './sourcemap.js';

const js = JSON.stringify;
const enc = (s: string) => Buffer.from(s, 'latin1');
const HEADS = ['', '["task",', '["step",', '["end",', '["fut",', '["set",', '["cb",', '["warn",', '["exit",', '["block",'].map(enc);
const BLOCK = 9;
const quoted = (words: readonly string[]) => words.map((w) => enc(`"${w}"`));
const FUT_WORDS = quoted(FUT_KINDS);
const VIA_WORDS = quoted(VIAS);
const STATE_WORDS = quoted(['result', 'exception', 'cancelled']);
const END_WORDS = quoted(['ok', 'error']);
const WARN_WORDS = quoted(WARN_KINDS);
const EXIT_WORDS = quoted(EXIT_HOWS);
const NULL = enc('null');
const COMMA = 44;
const CLOSE = 93;
const NL = 10;

/** Writes the bytes of w at p; returns the end. */
function putBytes(out: Buffer, p: number, w: Buffer): number {
  for (let k = 0; k < w.length; k++) out[p++] = w[k];
  return p;
}

/** Writes an integer (any safe one, negative too) at p, digit by digit (31-bit ones in integer arithmetic); returns
 * the end. */
function putInt(out: Buffer, p: number, v: number): number {
  if (v < 0) {
    out[p++] = 45;
    v = -v;
  }
  if (v < 10) out[p++] = 48 + v;
  else if (v <= 0x7fffffff) {
    let x = v | 0;
    const end = p + (x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5 : x < 1000000 ? 6 : x < 10000000 ? 7 : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10);
    for (let q = end - 1; q >= p; q--) {
      const d = (x / 10) | 0;
      out[q] = 48 + x - d * 10;
      x = d;
    }
    p = end;
  } else {
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    p += digits;
    for (let q = p - 1; q >= p - digits; q--) {
      const d = Math.floor(v / 10);
      out[q] = 48 + v - d * 10;
      v = d;
    }
  }
  return p;
}

export class TraceFormatter {
  private prev = 0;
  /** Site definitions by trace id: recorder sites (even ids) and sampled stack frames (odd ids). */
  readonly sites = new Map<number, [string, number, number, string]>();
  /** Whether a site's record is written, by trace id. */
  private written = new Uint8Array(1024);
  private readonly names: string[] = [];
  private readonly funcNames: Buffer[] = [];
  private readonly maps = new Map<string, SourceMap | null>();
  /** Stacks sampled during long slices: [program-thread ms, trace site ids innermost first]. */
  samples: [number, number[]][] = [];
  /** When a debugger paused the program (ms, its clock; preload's pause flush): a slice that spans one ran long
   * because it was stopped there, not because it blocked the loop. */
  pauses: number[] = [];
  /** `site` records first referenced by the chunk being formatted. */
  private siteLines: string[] = [];
  /** Short texts (value previews, callback names) as JSON bytes: most repeat. */
  private texts = new Map<string, Buffer>();
  private out = Buffer.allocUnsafe(1 << 20);
  private p = 0;

  /** base: the program thread's performance.now() at the trace's start; thresholdMs: the block threshold. */
  constructor(
    private readonly base: number,
    private readonly thresholdMs: number,
  ) {}

  private mapFor(file: string): SourceMap | null {
    let m = this.maps.get(file);
    if (m === undefined) {
      m = file.startsWith('/') ? mapOfFile(file) : null;
      this.maps.set(file, m);
    }
    return m;
  }

  /** Trace id `s` (-1: none), its `site` record written the first time; false when it is unknown. */
  private defined(s: number): boolean {
    if (s < 0) return false;
    if (s < this.written.length && this.written[s] === 1) return true;
    const def = this.sites.get(s);
    if (!def) return false;
    if (s >= this.written.length) {
      const more = new Uint8Array(Math.max(s + 1, this.written.length * 2));
      more.set(this.written);
      this.written = more;
    }
    this.written[s] = 1;
    let [file, line] = def;
    const orig = this.mapFor(file)?.lookup(line, def[2]);
    if (orig) [file, line] = [orig.file, orig.line];
    this.siteLines.push(`["site",${s},${js(file)},${line},${js(def[3])}]\n`);
    return true;
  }

  /** A recorder site's function name, as JSON bytes (a task record's name, written once per task). */
  private funcName(s: number): Buffer {
    let w = s >= 0 ? this.funcNames[s] : undefined;
    if (w === undefined) {
      const def = this.sites.get(s);
      w = Buffer.from(js(def?.[3] ?? ''), 'utf8');
      if (def) this.funcNames[s] = w;
    }
    return w;
  }

  traceSite(s: number): string {
    return this.defined(s) ? String(s) : 'null';
  }

  /** The chunk's NDJSON: its clock and new sites, then its records (a view of a buffer reused by the next call). */
  format(c: Chunk): [Buffer, Buffer] {
    for (const s of c.sites) this.sites.set(s[0] * 2, [s[1], s[2], s[3], s[4]]);
    for (const [k, name] of c.names) this.names[k] = name;
    for (const [file, map] of c.maps) this.maps.set(file, parseMap(map, dirname(file)));
    const head = `["clock",${this.prev}]\n`;
    this.p = 0;
    const b = c.buf;
    const thr = this.thresholdMs;
    for (let i = 0; i < c.n; ) {
      const op = b[i];
      const size =
        op === Op.Step ? 6
        : op === Op.Task ? 5
        : op === Op.Cb ? 4
        : op === Op.Warn ? 5
        : op === Op.Exit ? 4
        : op === Op.Fut ? 7 + (b[i + 6] <= -2 ? -2 - b[i + 6] : 0)
        : op === Op.End || op === Op.Set ? 7
        : 0;
      if (size === 0) break; // a damaged chunk: drop the rest
      if (op === Op.Step) this.step(b, i);
      else this.record(c, i);
      if ((op === Op.Step || op === Op.Cb) && b[i + 2] - b[i + 1] > thr && !this.pausedIn(b[i + 1], b[i + 2])) {
        this.block(b[i + 1], b[i + 2] - b[i + 1], op === Op.Step ? b[i + 3] : -1, op === Op.Step ? b[i + 5] : -1);
      }
      i += size;
    }
    const sites = this.siteLines.join('');
    this.siteLines = [];
    return [Buffer.from(head + sites, 'utf8'), this.out.subarray(0, this.p)];
  }

  /** A record's time (`ms` on the program's clock) as `dt`, the first element after its head. */
  private dt(ms: number): void {
    const t = Math.round((ms - this.base) * 1e6);
    this.int(t - this.prev);
    this.prev = t;
  }

  // ---- bytes

  private room(bytes: number): void {
    if (this.p + bytes <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.p + bytes));
    this.out.copy(bigger, 0, 0, this.p);
    this.out = bigger;
  }

  private bytes(w: Buffer): void {
    this.room(w.length);
    this.p = putBytes(this.out, this.p, w);
  }

  private byte(c: number): void {
    this.out[this.p++] = c;
  }

  private int(v: number): void {
    this.p = putInt(this.out, this.p, v);
  }

  /** An id, null when negative. */
  private id(v: number): void {
    if (v < 0) this.bytes(NULL);
    else this.int(v);
  }

  /** A reference to the recorder's site `s` (-1: none; trace id s × 2), its record written first if needed. */
  private site(s: number): void {
    if (s >= 0 && this.defined(s * 2)) this.int(s * 2);
    else this.bytes(NULL);
  }

  private ns(ms: number): void {
    this.int(ms > 0 ? Math.round(ms * 1e6) : 0);
  }

  /** A JSON string (short ones from the cache). */
  private text(s: string): void {
    if (s.length > 40) return this.raw(js(s));
    let w = this.texts.get(s);
    if (w === undefined) {
      if (this.texts.size >= 4096) this.texts.clear();
      w = Buffer.from(js(s), 'utf8');
      this.texts.set(s, w);
    }
    this.bytes(w);
  }

  /** JSON text, with room for the rest of the record after it. */
  private raw(j: string): void {
    this.room(j.length * 3 + 160);
    this.p += this.out.write(j, this.p, 'utf8');
  }

  private pausedIn(t0: number, t1: number): boolean {
    return this.pauses.some((p) => p >= t0 && p <= t1);
  }

  /** A block record: the slice that began at t0 (ms) ran `dur` ms. Its stack is the one whose innermost site most
   * samples taken inside it showed (on a tie, the site that got there first), with how many of how many; without samples,
   * the step's own site. */
  private block(t0: number, dur: number, task: number, s: number): void {
    let n = 0;
    let best: number[] | null = null;
    let bestCount = 0;
    const counts = new Map<number, number>();
    for (const [t, ids] of this.samples) {
      if (t < t0 || t > t0 + dur) continue;
      n++;
      const c = (counts.get(ids[0]) ?? 0) + 1;
      counts.set(ids[0], c);
      if (c > bestCount) {
        bestCount = c;
        best = ids;
      }
    }
    this.room(160 + (best ? best.length * 12 : 0));
    this.bytes(HEADS[BLOCK]);
    this.dt(t0);
    this.byte(COMMA);
    this.ns(dur);
    this.byte(COMMA);
    this.id(task);
    this.byte(COMMA);
    this.byte(91);
    if (best) {
      best.forEach((sid, k) => {
        if (k > 0) this.byte(COMMA);
        this.bytes(enc(this.traceSite(sid)));
      });
      this.byte(CLOSE);
      this.byte(COMMA);
      this.int(bestCount);
      this.byte(COMMA);
      this.int(n);
    } else {
      if (task >= 0) this.site(s);
      this.byte(CLOSE);
    }
    this.byte(CLOSE);
    this.byte(NL);
  }

  /** A step record (most of them), with the buffer and position in locals. */
  private step(b: Float64Array, i: number): void {
    this.room(160);
    const out = this.out;
    let p = putBytes(out, this.p, HEADS[Op.Step]);
    const t = Math.round((b[i + 1] - this.base) * 1e6);
    p = putInt(out, p, t - this.prev);
    this.prev = t;
    out[p++] = COMMA;
    p = putInt(out, p, b[i + 3]);
    out[p++] = COMMA;
    const dur = b[i + 2] - b[i + 1];
    p = putInt(out, p, dur > 0 ? Math.round(dur * 1e6) : 0);
    out[p++] = COMMA;
    const awaited = b[i + 4];
    p = awaited < 0 ? putBytes(out, p, NULL) : putInt(out, p, awaited);
    out[p++] = COMMA;
    const s = b[i + 5];
    p = s >= 0 && this.defined(s * 2) ? putInt(out, p, s * 2) : putBytes(out, p, NULL);
    out[p++] = CLOSE;
    out[p++] = NL;
    this.p = p;
  }

  /** The record at chunk offset `i`. */
  private record(c: Chunk, i: number): void {
    this.room(160);
    const b = c.buf;
    const op = b[i];
    this.bytes(HEADS[op]);
    this.dt(b[i + 1]);
    this.byte(COMMA);
    switch (op) {
      case Op.Task: {
        const s = b[i + 4];
        this.int(b[i + 2]);
        this.byte(COMMA);
        this.id(b[i + 3]);
        this.byte(COMMA);
        this.bytes(NULL);
        this.byte(COMMA);
        this.bytes(this.funcName(s * 2));
        this.byte(COMMA);
        this.site(s);
        break;
      }
      case Op.End: {
        const s = b[i + 5];
        this.int(b[i + 2]);
        this.byte(COMMA);
        this.bytes(END_WORDS[b[i + 3] ? 1 : 0]);
        this.byte(COMMA);
        const v = b[i + 6];
        if (b[i + 4] !== -3) this.text(this.str(c, b[i + 4]));
        else if (Number.isSafeInteger(v)) {
          this.byte(34);
          this.int(v);
          this.byte(34);
        } else this.text(String(v));
        this.byte(COMMA);
        this.site(s);
        break;
      }
      case Op.Fut: {
        const s = b[i + 5];
        this.int(b[i + 2]);
        this.byte(COMMA);
        this.bytes(FUT_WORDS[b[i + 3]]);
        this.byte(COMMA);
        this.id(b[i + 4]);
        this.byte(COMMA);
        this.site(s);
        const ch = b[i + 6];
        if (ch >= 0) {
          this.byte(COMMA);
          this.raw(js(c.strs[ch]));
        } else if (ch <= -2) {
          const n = -2 - ch;
          this.room(n * 17 + 160);
          this.byte(COMMA);
          this.byte(91);
          for (let k = 0; k < n; k++) {
            if (k > 0) this.byte(COMMA);
            this.int(b[i + 7 + k]);
          }
          this.byte(CLOSE);
        }
        break;
      }
      case Op.Set: {
        // Trailing defaults are left out: text "", then state "result", then by null.
        const state = b[i + 5];
        const tx = this.str(c, b[i + 6]);
        this.int(b[i + 2]);
        this.byte(COMMA);
        this.bytes(VIA_WORDS[b[i + 3]]);
        if (tx || state !== 0) {
          this.byte(COMMA);
          this.id(b[i + 4]);
          this.byte(COMMA);
          this.bytes(STATE_WORDS[state]);
          if (tx) {
            this.byte(COMMA);
            this.text(tx);
          }
        } else if (b[i + 4] >= 0) {
          this.byte(COMMA);
          this.int(b[i + 4]);
        }
        break;
      }
      case Op.Cb:
        this.ns(b[i + 2] - b[i + 1]);
        this.byte(COMMA);
        this.bytes(NULL);
        this.byte(COMMA);
        this.text(this.names[b[i + 3]] ?? 'callback');
        break;
      case Op.Warn:
        this.bytes(WARN_WORDS[b[i + 2]]);
        this.byte(COMMA);
        this.bytes(NULL);
        this.byte(COMMA);
        this.id(b[i + 3]);
        this.byte(COMMA);
        this.text(this.str(c, b[i + 4]));
        break;
      case Op.Exit: {
        const d = b[i + 3];
        this.bytes(EXIT_WORDS[b[i + 2]]);
        this.byte(COMMA);
        if (d <= -2) this.int(-2 - d);
        else this.text(this.str(c, d));
        break;
      }
    }
    this.byte(CLOSE);
    this.byte(NL);
  }

  private str(c: Chunk, k: number): string {
    return k < 0 ? '' : String(c.strs[k]);
  }
}
