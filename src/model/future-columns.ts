// The futures a streaming read (stream.ts) still knows, in typed columns by slot rather than as an object each. A large
// trace makes millions of futures that live for tens of thousands of records (until RESOLVED_KEPT resolutions after
// their own): as objects they outlived the young generation, were copied and promoted, and died in the old one (a
// third of a 1 GB trace's report went to the garbage collector). An object is made only for what outlives the read
// or leaves it (FutureColumns.object, snapshot).

import { waitKindOf, type FutureInfo, type FutureState, type WaitKind } from './index.js';
import type { Site } from './types.js';

/** A future as the report lists it. */
export class FutState implements FutureInfo {
  kind = 'future';
  waitKind: WaitKind = 'future';
  state: FutureState = 'pending';
  owner: number | null = null;
  site: Site | null = null;
  created: number | null = null;
  resolved: number | null = null;
  resolvedBy: number | null = null;
  via: string | null = null;
  text: string | null = null;
  children: number[] = NO_CHILDREN;
  /** Position in the report's list: a `fut` record's seq, or 2^52 + the first `set`'s seq when only set. */
  constructor(readonly id: number, public key: number) {}
}

/** The children of every future that has none (never written to: a `fut` record's own list replaces it). */
export const NO_CHILDREN: number[] = [];

/** Ids, owners and resolvers: -1 for null. Times: NaN for null. */
export class FutureColumns {
  /** Slot by future id, in the order the futures became known (the order TraceStream's Map of objects had). */
  private readonly slots = new Map<number, number>();
  private free: number[] = [];
  private cap = 0;
  private serial = 0;
  id = new Float64Array(0);
  key = new Float64Array(0);
  owner = new Float64Array(0);
  created = new Float64Array(0);
  resolved = new Float64Array(0);
  by = new Float64Array(0);
  /** Start and duration of the resolving task's step at the resolution (NaN: none). */
  stepStart = new Float64Array(0);
  stepDur = new Float64Array(0);
  /** Which future holds the slot (a new number for each, -1 when free): a reference to a future is (slot, serial). */
  ser = new Float64Array(0);
  resolvedYet = new Uint8Array(0);
  /** References held to the future by tasks not final yet (TraceStream's laFut, lastFut). */
  refs = new Int32Array(0);
  kind: string[] = [];
  wait: WaitKind[] = [];
  state: FutureState[] = [];
  site: (Site | null)[] = [];
  via: (string | null)[] = [];
  text: (string | null)[] = [];
  children: number[][] = [];
  /** The object handed out for a slot (object()), kept up to date until the future is dropped. */
  private objs: (FutState | undefined)[] = [];

  get size(): number {
    return this.slots.size;
  }

  slotOf(id: number): number | undefined {
    return this.slots.get(id);
  }

  /** The slots of the futures known, in the order they became known. */
  slotList(): IterableIterator<number> {
    return this.slots.values();
  }

  /** A new future (pending, nothing known of it but its id). */
  add(id: number, key: number): number {
    if (this.free.length === 0) this.grow();
    const s = this.free.pop()!;
    this.slots.set(id, s);
    this.id[s] = id;
    this.key[s] = key;
    this.owner[s] = -1;
    this.created[s] = NaN;
    this.resolved[s] = NaN;
    this.by[s] = -1;
    this.stepStart[s] = NaN;
    this.stepDur[s] = NaN;
    this.ser[s] = this.serial++;
    this.resolvedYet[s] = 0;
    this.refs[s] = 0;
    this.kind[s] = 'future';
    this.wait[s] = 'future';
    this.state[s] = 'pending';
    this.site[s] = null;
    this.via[s] = null;
    this.text[s] = null;
    this.children[s] = NO_CHILDREN;
    return s;
  }

  setKind(s: number, kind: string): void {
    if (kind !== this.kind[s]) {
      this.kind[s] = kind;
      this.wait[s] = waitKindOf(kind);
    }
  }

  /** Forgets the future in slot `s`; returns its final object when one was handed out or `keep` (else null). */
  remove(s: number, keep: boolean): FutState | null {
    const o = keep || this.objs[s] !== undefined ? this.object(s) : null;
    this.slots.delete(this.id[s]);
    this.objs[s] = undefined;
    this.ser[s] = -1;
    this.via[s] = null;
    this.text[s] = null;
    this.site[s] = null;
    this.children[s] = NO_CHILDREN;
    this.free.push(s);
    return o;
  }

  /** The future in slot `s` as an object, the same one each time while it is known (brought up to date). */
  object(s: number): FutState {
    let o = this.objs[s];
    if (o === undefined) this.objs[s] = o = new FutState(this.id[s], this.key[s]);
    this.fill(o, s);
    return o;
  }

  /** The future in slot `s` as it is now, in a new object. */
  snapshot(s: number): FutState {
    return this.fill(new FutState(this.id[s], this.key[s]), s);
  }

  private fill(o: FutState, s: number): FutState {
    o.key = this.key[s];
    o.kind = this.kind[s];
    o.waitKind = this.wait[s];
    o.state = this.state[s];
    o.owner = nullId(this.owner[s]);
    o.site = this.site[s];
    o.created = nullTime(this.created[s]);
    o.resolved = nullTime(this.resolved[s]);
    o.resolvedBy = nullId(this.by[s]);
    o.via = this.via[s];
    o.text = this.text[s];
    o.children = this.children[s];
    return o;
  }

  private grow(): void {
    const old = this.cap;
    const cap = Math.max(1 << 12, old * 2);
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.id = f64(this.id);
    this.key = f64(this.key);
    this.owner = f64(this.owner);
    this.created = f64(this.created);
    this.resolved = f64(this.resolved);
    this.by = f64(this.by);
    this.stepStart = f64(this.stepStart);
    this.stepDur = f64(this.stepDur);
    this.ser = f64(this.ser);
    const u8 = new Uint8Array(cap);
    u8.set(this.resolvedYet);
    this.resolvedYet = u8;
    const i32 = new Int32Array(cap);
    i32.set(this.refs);
    this.refs = i32;
    for (let s = cap - 1; s >= old; s--) this.free.push(s);
    for (const list of [this.kind, this.wait, this.state, this.site, this.via, this.text, this.children] as unknown[][]) {
      for (let s = old; s < cap; s++) list.push(null);
    }
    for (let s = old; s < cap; s++) this.objs.push(undefined);
    this.cap = cap;
  }
}

function nullId(v: number): number | null {
  return v < 0 ? null : v;
}

function nullTime(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}
