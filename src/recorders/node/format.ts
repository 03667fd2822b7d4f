// Turns the recorder's numeric chunks (codes.ts) into `.lanes` NDJSON (docs/trace-format.md). Runs on the writer
// thread (writer.ts), or on the program's thread at exit when the program ended before a writer was needed. Sites
// are written when first referenced, at their original file and line (source maps, resolved once per site). Per
// record it builds one string and no other object: the writer shares two cores with the program.

import { dirname } from 'node:path';
import { EXIT_HOWS, FUT_KINDS, Op, VIAS, WARN_KINDS, type Chunk } from './codes.js';
import { mapOfFile, parseMap, type SourceMap } from './sourcemap.js';

const js = JSON.stringify;
const id = (v: number) => (v < 0 ? 'null' : String(v));
const HEADS = ['', '["task",', '["step",', '["end",', '["fut",', '["set",', '["cb",', '["warn",', '["exit",', '["block",'];
const BLOCK = 9;
const STATES = ['result', 'exception', 'cancelled'];

export class TraceFormatter {
  private prev = 0;
  /** Site definitions by trace id: recorder sites (even ids) and sampled stack frames (odd ids). */
  readonly sites = new Map<number, [string, number, number, string]>();
  private readonly written = new Set<number>();
  private readonly names: string[] = [];
  private readonly maps = new Map<string, SourceMap | null>();
  /** Stacks sampled during long slices: [program-thread ms, trace site ids innermost first]. */
  samples: [number, number[]][] = [];
  // The timed records of the chunk being formatted: time (ns), head index, the rest after `dt`.
  private ts: number[] = [];
  private heads: number[] = [];
  private rests: string[] = [];
  private sorted = true;
  private out: string[] = [];

  /** base: the program thread's performance.now() at the trace's start; thresholdMs: the block threshold. */
  constructor(
    private readonly base: number,
    private readonly thresholdMs: number,
  ) {}

  private ns(ms: number): number {
    return Math.round((ms - this.base) * 1e6);
  }

  private mapFor(file: string): SourceMap | null {
    let m = this.maps.get(file);
    if (m === undefined) {
      m = file.startsWith('/') ? mapOfFile(file) : null;
      this.maps.set(file, m);
    }
    return m;
  }

  /** The trace id of recorder site `s`, its `site` record written the first time. */
  private site(s: number): string {
    return s < 0 ? 'null' : this.traceSite(s * 2);
  }

  traceSite(s: number): string {
    if (!this.written.has(s)) {
      const def = this.sites.get(s);
      if (!def) return 'null';
      this.written.add(s);
      let [file, line] = def;
      const orig = this.mapFor(file)?.lookup(line, def[2]);
      if (orig) [file, line] = [orig.file, orig.line];
      this.out.push(`["site",${s},${js(file)},${line},${js(def[3])}]`);
    }
    return String(s);
  }

  private timed(ms: number, head: number, rest: string): void {
    const t = this.ns(ms);
    const n = this.ts.length;
    if (n > 0 && t < this.ts[n - 1]) this.sorted = false;
    this.ts.push(t);
    this.heads.push(head);
    this.rests.push(rest);
  }

  format(c: Chunk): string {
    for (const s of c.sites) this.sites.set(s[0] * 2, [s[1], s[2], s[3], s[4]]);
    for (const [k, name] of c.names) this.names[k] = name;
    for (const [file, map] of c.maps) this.maps.set(file, parseMap(map, dirname(file)));
    this.out = [`["clock",${this.prev}]`];
    const b = c.buf;
    const thr = this.thresholdMs;
    const text = (k: number) => (k < 0 ? '' : String(c.strs[k]));
    for (let i = 0; i < c.n; ) {
      switch (b[i]) {
        case Op.Task: {
          const s = b[i + 4];
          this.timed(b[i + 1], Op.Task, `,${b[i + 2]},${id(b[i + 3])},null,${js(this.sites.get(s * 2)?.[3] ?? '')},${this.site(s)}]`);
          i += 5;
          break;
        }
        case Op.Step: {
          const t0 = b[i + 1];
          const dur = b[i + 2] - t0;
          const s = this.site(b[i + 5]);
          this.timed(t0, Op.Step, `,${b[i + 3]},${dur > 0 ? Math.round(dur * 1e6) : 0},${id(b[i + 4])},${s}]`);
          if (dur > thr) this.block(t0, dur, b[i + 3], s);
          i += 6;
          break;
        }
        case Op.End: {
          const v = b[i + 4] === -3 ? String(b[i + 6]) : text(b[i + 4]);
          this.timed(b[i + 1], Op.End, `,${b[i + 2]},"${b[i + 3] ? 'error' : 'ok'}",${js(v)},${this.site(b[i + 5])}]`);
          i += 7;
          break;
        }
        case Op.Fut: {
          const ch = b[i + 6] < 0 ? '' : `,${js(c.strs[b[i + 6]])}`;
          this.timed(b[i + 1], Op.Fut, `,${b[i + 2]},"${FUT_KINDS[b[i + 3]]}",${id(b[i + 4])},${this.site(b[i + 5])}${ch}]`);
          i += 7;
          break;
        }
        case Op.Set: {
          // Trailing defaults are left out: text "", then state "result", then by null.
          const state = STATES[b[i + 5]];
          const tx = text(b[i + 6]);
          let rest = `,${b[i + 2]},"${VIAS[b[i + 3]]}"`;
          if (tx) rest += `,${id(b[i + 4])},"${state}",${js(tx)}`;
          else if (state !== 'result') rest += `,${id(b[i + 4])},"${state}"`;
          else if (b[i + 4] >= 0) rest += `,${b[i + 4]}`;
          this.timed(b[i + 1], Op.Set, rest + ']');
          i += 7;
          break;
        }
        case Op.Cb: {
          const t0 = b[i + 1];
          const dur = b[i + 2] - t0;
          this.timed(t0, Op.Cb, `,${dur > 0 ? Math.round(dur * 1e6) : 0},null,${js(this.names[b[i + 3]] ?? 'callback')}]`);
          if (dur > thr) this.block(t0, dur, -1, '');
          i += 4;
          break;
        }
        case Op.Warn:
          this.timed(b[i + 1], Op.Warn, `,"${WARN_KINDS[b[i + 2]]}",null,${id(b[i + 3])},${js(text(b[i + 4]))}]`);
          i += 5;
          break;
        case Op.Exit: {
          const d = b[i + 3];
          this.timed(b[i + 1], Op.Exit, `,"${EXIT_HOWS[b[i + 2]]}",${d <= -2 ? -2 - d : js(text(d))}]`);
          i += 4;
          break;
        }
        default:
          i = c.n; // a damaged chunk: drop the rest
      }
    }
    return this.emit();
  }

  /** The chunk's timed records in time order (most chunks already are), each with its delta. */
  private emit(): string {
    const { ts, heads, rests, out } = this;
    const n = ts.length;
    let order: number[] | null = null;
    if (!this.sorted) {
      order = Array.from({ length: n }, (_, k) => k);
      order.sort((a, z) => ts[a] - ts[z] || a - z);
    }
    let prev = this.prev;
    for (let k = 0; k < n; k++) {
      const j = order === null ? k : order[k];
      out.push(HEADS[heads[j]] + (ts[j] - prev) + rests[j]);
      prev = ts[j];
    }
    this.prev = prev;
    out.push('');
    this.ts = [];
    this.heads = [];
    this.rests = [];
    this.sorted = true;
    return out.join('\n');
  }

  /** A slice longer than the threshold: a block record at its start, with the stack sampled while it was stuck (the
   * step's own site when no sample fell inside it). */
  private block(t0: number, dur: number, task: number, stepSite: string): void {
    const inside = this.samples.find(([t]) => t >= t0 && t <= t0 + dur);
    const ss = inside ? inside[1].map((s) => this.traceSite(s)).join(',') : stepSite;
    this.timed(t0, BLOCK, `,${Math.round(dur * 1e6)},${id(task)},[${ss}]]`);
  }
}
