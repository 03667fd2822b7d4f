// Columnar segment storage for one lane: typed arrays sorted by start, with a running maximum of the ends so that
// the first segment reaching into the viewport is found by binary search even when segments overlap.

import type { Kind } from './kinds.js';

export interface Segments {
  readonly count: number;
  readonly start: Float64Array;
  readonly end: Float64Array;
  /** maxEnd[i] = max(end[0..i]): non-decreasing. */
  readonly maxEnd: Float64Array;
  readonly kind: Uint8Array;
  /** What the segment stands for; its meaning depends on the lane (step index, task id, callback index, ...). */
  readonly ref: Int32Array;
}

export class SegmentBuilder {
  private n = 0;
  private start: Float64Array;
  private end: Float64Array;
  private kind: Uint8Array;
  private ref: Int32Array;

  /** `capacity`: how many segments are expected (it grows past that if needed). */
  constructor(capacity = 16) {
    const c = Math.max(1, capacity);
    this.start = new Float64Array(c);
    this.end = new Float64Array(c);
    this.kind = new Uint8Array(c);
    this.ref = new Int32Array(c);
  }

  /** Adds [start, end); empty or negative spans are dropped. */
  push(start: number, end: number, kind: Kind, ref: number): void {
    if (!(end > start)) return;
    if (this.n === this.start.length) this.grow();
    this.start[this.n] = start;
    this.end[this.n] = end;
    this.kind[this.n] = kind;
    this.ref[this.n] = ref;
    this.n++;
  }

  /** The segments sorted by start (stable). */
  finish(): Segments {
    const n = this.n;
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) sorted = this.start[i - 1] <= this.start[i];
    if (sorted) {
      const maxEnd = new Float64Array(n);
      let max = -Infinity;
      for (let i = 0; i < n; i++) maxEnd[i] = max = Math.max(max, this.end[i]);
      return { count: n, start: this.start.slice(0, n), end: this.end.slice(0, n), maxEnd, kind: this.kind.slice(0, n), ref: this.ref.slice(0, n) };
    }
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => this.start[a] - this.start[b] || a - b);
    const out = {
      count: n,
      start: new Float64Array(n),
      end: new Float64Array(n),
      maxEnd: new Float64Array(n),
      kind: new Uint8Array(n),
      ref: new Int32Array(n),
    };
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const j = order[i];
      out.start[i] = this.start[j];
      out.end[i] = this.end[j];
      out.kind[i] = this.kind[j];
      out.ref[i] = this.ref[j];
      max = Math.max(max, this.end[j]);
      out.maxEnd[i] = max;
    }
    return out;
  }

  private grow(): void {
    const size = this.start.length * 2;
    const f = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.start = f(this.start);
    this.end = f(this.end);
    const k = new Uint8Array(size);
    k.set(this.kind);
    this.kind = k;
    const r = new Int32Array(size);
    r.set(this.ref);
    this.ref = r;
  }
}

/** Index of the first segment whose span may reach `t` or later (maxEnd >= t). */
export function firstReaching(s: Segments, t: number): number {
  let lo = 0;
  let hi = s.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.maxEnd[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first segment starting at or after `t`, searching from `from`. */
export function firstStartingAt(s: Segments, t: number, from: number): number {
  let lo = from;
  let hi = s.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.start[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The segment covering `t` (the topmost: last started), or -1. */
export function segmentAt(s: Segments, t: number): number {
  let lo = 0;
  let hi = s.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.start[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0 && s.maxEnd[i] >= t; i--) {
    if (s.start[i] <= t && t < s.end[i]) return i;
  }
  return -1;
}
