// A time window of a trace: the records of [from, to] (ns since the trace's start) as a trace of their own, for a
// trace too big for the timeline (`async-lanes view FILE --from 12.5s --to 20s`, and VS Code's Open Time Window).
// Read line by line in one pass: only a record's time is decoded (element 1) unless it is kept. Tasks alive at
// `from` are kept (created, named and their last step before it, clipped to it), with the futures they may await
// that are unresolved then; records with a duration across an edge are clipped to it; nothing after `to` is kept.
// Times in the window's trace start at `from` (its header says where the window lies: `window: {from, to}`).

import { formatDuration } from './format.js';
import { recordDelta } from './trace-end.js';

/** Records read after the first one past `to` before the reader stops: a trace's records are in time order within
 * this distance (docs/trace-format.md, "Order"). */
const ORDER_SLACK = 65_536;

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, min: 60e9, h: 3600e9 };

/** A time after the trace's start as people write it: "12.5s", "250ms", "1.5 min", "3" (seconds); null when it is
 * not one. */
export function parseTime(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ns|us|µs|ms|s|m|min|h)?\s*$/.exec(text);
  if (!m) return null;
  const ns = Math.round(Number(m[1]) * UNIT_NS[m[2] ?? 's']);
  return Number.isSafeInteger(ns) ? ns : null;
}

/** The window's edges from the user's texts (`to` left out: the end); throws a WindowError that says what is wrong. */
export function parseWindow(fromText: string | undefined, toText: string | undefined): { from: number; to: number } {
  const read = (name: string, text: string): number => {
    const t = parseTime(text);
    if (t === null) throw new WindowError(`${name} needs a time after the trace's start, like 12.5s, 250ms or 2min, not "${text}"`);
    return t;
  };
  const from = fromText === undefined ? 0 : read('--from', fromText);
  const to = toText === undefined ? Number.MAX_SAFE_INTEGER : read('--to', toText);
  if (to <= from) throw new WindowError(`--to (${toText}) must be later than --from (${fromText ?? '0s'})`);
  return { from, to };
}

/** "trace.lanes [12.5 s – 20.0 s]": what a window's timeline is called. */
export function windowName(name: string, from: number, to: number): string {
  return `${name} [${formatDuration(from)} – ${to === Number.MAX_SAFE_INTEGER ? 'end' : formatDuration(to)}]`;
}

export class WindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WindowError';
  }
}

type Rec = unknown[];

export class TraceWindow {
  private pending = '';
  private headerDone = false;
  private clock = 0;
  /** The last time written (the output's own clock). */
  private outClock = 0;
  /** A record at or after `from` was seen: what was kept from before it has been written. */
  private opened = false;
  /** Records read since the first one after `to` (null: none yet). */
  private pastEnd: number | null = null;
  /** Before the window: what is kept of tasks alive and futures unresolved (by id), and loops and threads. */
  private readonly tasks = new Map<number, Rec>();
  private readonly names = new Map<number, Rec>();
  private readonly lastSteps = new Map<number, Rec>();
  private readonly futs = new Map<number, Rec>();
  private readonly early: Rec[] = [];
  /** The largest time read: where the trace ends. */
  lastTime = 0;
  /** Records written that lie in the window. */
  kept = 0;

  constructor(readonly from: number, readonly to: number) {}

  /** The reader has read enough: nothing later can fall in the window. */
  get done(): boolean {
    return this.pastEnd !== null && this.pastEnd > ORDER_SLACK;
  }

  /** The next piece of the trace's text in; the window's text out. */
  push(chunk: string): string {
    const out: string[] = [];
    let from = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0 && !this.done; nl = chunk.indexOf('\n', from)) {
      const line = this.pending === '' ? chunk.slice(from, nl) : this.pending + chunk.slice(from, nl);
      this.pending = '';
      this.line(line, out);
      from = nl + 1;
    }
    if (!this.done) this.pending += chunk.slice(from);
    return out.join('');
  }

  /** The end of the input (its unfinished last line is left out); the rest of the window's text. */
  end(): string {
    const out: string[] = [];
    if (!this.opened) this.open(out);
    return out.join('');
  }

  private line(line: string, out: string[]): void {
    if (!this.headerDone) {
      this.headerDone = true;
      out.push(this.header(line));
      return;
    }
    if (line.startsWith('["site"')) {
      out.push(line, '\n');
      return;
    }
    const t = this.timeOf(line);
    if (t === null) {
      // Damaged: left for the viewer to count when it lies in the window.
      if (this.opened && this.clock <= this.to && line.trim() !== '') out.push(line, '\n');
      return;
    }
    if (t < 0) return; // a clock record
    if (t > this.lastTime) this.lastTime = t;
    if (t > this.to) {
      this.pastEnd ??= 0;
      this.pastEnd++;
      return;
    }
    const r = parse(line);
    if (!Array.isArray(r)) return;
    if (t < this.from) this.before(r, t, out);
    else {
      if (!this.opened) this.open(out);
      this.inside(r, t, out);
    }
  }

  /** The header, with where the window lies. */
  private header(line: string): string {
    const h = parse(line.replace(/^\uFEFF/, ''));
    // Not a header: passed on for the viewer to say so.
    if (h === null || Array.isArray(h) || typeof h !== 'object') return line + '\n';
    return JSON.stringify({ ...h, window: { from: this.from, to: this.to } }) + '\n';
  }

  /** The absolute time of a timed record from its element 1 (without decoding the rest), -1 for a clock record (it
   * sets the clock), null when the line is not a record. */
  private timeOf(line: string): number | null {
    const v = recordDelta(line);
    if (v === null) return null;
    if (line.startsWith('["clock"')) {
      this.clock = v;
      return -1;
    }
    return (this.clock += v);
  }

  /** A record before the window: kept while what it says still holds at `from`. */
  private before(r: Rec, t: number, out: string[]): void {
    const id = r[2] as number;
    switch (r[0]) {
      case 'task':
        if (this.opened) this.write(r, this.from, out);
        else this.tasks.set(id, r);
        return;
      case 'name':
        if (this.opened) this.write(r, this.from, out);
        else this.names.set(id, r);
        return;
      case 'end':
        if (this.opened) this.write(r, this.from, out);
        else {
          this.tasks.delete(id);
          this.names.delete(id);
          this.lastSteps.delete(id);
        }
        return;
      case 'fut':
        if (this.opened) this.write(r, this.from, out);
        else this.futs.set(id, r);
        return;
      case 'set':
        if (this.opened) this.write(r, this.from, out);
        else this.futs.delete(id);
        return;
      case 'step': {
        // A future made on the spot becomes a fut record of its own: the step that stands for it may not be kept.
        if (typeof r[6] === 'string' && typeof r[4] === 'number') {
          this.futs.set(r[4], ['fut', 0, r[4], r[6], id, r[5] ?? null]);
          r = r.slice(0, 6);
        }
        const end = Math.min(t + (r[3] as number), this.to);
        if (endsTask(r) && end < this.from) {
          // its task ended before the window (the step says so: its result appended)
          this.before(['end', 0, id, 'ok', r[6], r[5] ?? null], end, out);
          return;
        }
        const cut = t + (r[3] as number) > this.to;
        if (this.opened) {
          if (end >= this.from) this.write(clip(r, 3, end - this.from, cut), this.from, out);
        } else this.lastSteps.set(id, clip(r, 3, Math.max(0, end - this.from), cut));
        return;
      }
      case 'cb':
      case 'block':
      case 'work': {
        const end = t + (r[2] as number);
        if (end > this.from) this.write(clip(r, 2, Math.min(end, this.to) - this.from), this.from, out);
        return;
      }
      case 'loop':
      case 'thread':
        if (this.opened) this.write(r, this.from, out);
        else this.early.push(r);
        return;
      // warn, exit and unknown kinds before the window are left out.
    }
  }

  /** The window opens: what holds at `from` goes first, at `from`. */
  private open(out: string[]): void {
    this.opened = true;
    for (const r of this.early) this.write(r, this.from, out);
    for (const r of this.tasks.values()) this.write(r, this.from, out);
    for (const r of this.names.values()) this.write(r, this.from, out);
    for (const r of this.futs.values()) this.write(r, this.from, out);
    for (const r of this.lastSteps.values()) this.write(r, this.from, out);
    this.early.length = 0;
    this.tasks.clear();
    this.names.clear();
    this.futs.clear();
    this.lastSteps.clear();
  }

  private inside(r: Rec, t: number, out: string[]): void {
    const durAt = r[0] === 'step' ? 3 : r[0] === 'cb' || r[0] === 'block' || r[0] === 'work' ? 2 : -1;
    if (durAt > 0 && typeof r[durAt] === 'number' && t + (r[durAt] as number) > this.to) r = clip(r, durAt, this.to - t, true);
    this.kept++;
    this.write(r, t, out);
  }

  /** Writes `r` at absolute time `t`, as time `t - from` of the window's trace. */
  private write(r: Rec, t: number, out: string[]): void {
    const rel = t - this.from;
    const copy = r.slice();
    copy[1] = rel - this.outClock;
    this.outClock = rel;
    out.push(JSON.stringify(copy), '\n');
  }
}

/** `r` with its duration (element `at`) set to `dur`. A step that says its task ended at its end no longer does
 * when that end is `cut` off (after the window). */
function clip(r: Rec, at: number, dur: number, cut = false): Rec {
  const copy = cut && endsTask(r) ? r.slice(0, 6) : r.slice();
  copy[at] = dur;
  return copy;
}

/** A step that awaits nothing and says its task's result: the task ended `ok` at the step's end. */
function endsTask(r: Rec): boolean {
  return r[0] === 'step' && r[4] === null && typeof r[6] === 'string';
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return null;
  }
}
