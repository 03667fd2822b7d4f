// IdTable: a map from integer ids to values, backed by a plain array over the id range the trace uses (ids are
// small integers, docs/trace-format.md "Ids") and by a Map for anything outside it (a sparse or crafted trace, or
// an id asked about later). Lookups in the array are several times cheaper than Map lookups, and filling it
// allocates nothing per entry.

/** Ids spanning more than this many slots per expected entry (plus a constant) go to the Map instead. */
const MAX_SLOTS_PER_ENTRY = 4;
const MIN_DENSE_SLOTS = 4096;

export class IdTable<T> {
  private readonly lo: number;
  private readonly size: number;
  private readonly dense: (T | undefined)[];
  private sparse: Map<number, T> | null = null;

  /** `lo`..`hi`: the range of ids expected (hi < lo: none); `entries`: how many entries are expected at most. */
  constructor(lo: number, hi: number, entries: number) {
    const span = hi - lo + 1;
    const dense = span > 0 && span <= MAX_SLOTS_PER_ENTRY * entries + MIN_DENSE_SLOTS && span <= 0x3fffffff;
    this.lo = dense ? lo : 0;
    this.size = dense ? span : 0;
    this.dense = dense ? new Array<T | undefined>(span).fill(undefined) : [];
  }

  get(id: number): T | undefined {
    const i = id - this.lo;
    if (i >>> 0 === i && i < this.size) return this.dense[i];
    return this.sparse === null ? undefined : this.sparse.get(id);
  }

  set(id: number, value: T): void {
    const i = id - this.lo;
    if (i >>> 0 === i && i < this.size) this.dense[i] = value;
    else (this.sparse ??= new Map()).set(id, value);
  }
}

/** The [lo, hi] range of ids, grown by `extend`. */
export class IdRange {
  lo = Infinity;
  hi = -Infinity;

  extend(id: number): void {
    if (id < this.lo) this.lo = id;
    if (id > this.hi) this.hi = id;
  }

  table<T>(entries: number): IdTable<T> {
    return new IdTable<T>(this.lo, this.hi, entries);
  }
}
