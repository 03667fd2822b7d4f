// The rules of a task's time split, shared by TraceIndex (all steps in memory) and the streaming reader
// (stream.ts: one step at a time, in time order): the gap after a step is idle until what it awaited was resolved,
// then scheduled; the sums, idle by kind, await sites and wakers are accumulated here, in one place.

import type { AwaitKind, AwaitSite, TaskInfo, WaitKind, Waker } from './index.js';
import type { Site } from './types.js';

/** Where the gap [gapStart, gapEnd) after a step turns from idle into scheduled, given when what the step awaited
 * was resolved (`wakeT`; null: unknown or never, so the whole gap is idle). */
export function resumeAt(gapStart: number, gapEnd: number, wakeT: number | null): number {
  return wakeT === null ? gapEnd : Math.min(gapEnd, Math.max(gapStart, wakeT));
}

/** The end of the gap after a step: the next step's start (never before the step's own end), or `stop` for the
 * last step (the task's end, or the trace's end for a task that never ended). */
export function gapEndOf(gapStart: number, nextStart: number): number {
  return Math.max(gapStart, nextStart);
}

/** Wakers are told apart by `${by}|${via}` (as they always were): a `via` of null and of "null" are one. */
function sameVia(a: string | null, b: string | null): boolean {
  return a === b || String(a) === String(b);
}

/** Await sites or wakers a task has before they are indexed by a Map. */
const SCAN_MAX = 16;

function indexWaker(index: Map<number | null, WakerAcc[]>, w: WakerAcc): void {
  const same = index.get(w.by);
  if (same === undefined) index.set(w.by, [w]);
  else same.push(w);
}

interface AwaitAcc {
  site: number | null;
  count: number;
  totalNs: number;
  maxNs: number;
  kinds: AwaitKind[];
}

interface WakerAcc {
  by: number | null;
  via: string | null;
  count: number;
  /** The step index that first showed it (wakers are listed in step order, and a streaming reader may learn a
   * step's waker after later steps'). */
  first: number;
}

/** One task's time split and await/waker tallies, fed step by step in time order. */
export class TaskSplit {
  busy = 0;
  idle = 0;
  scheduled = 0;
  // idleByKind, in order of first use (a handful of kinds: a linear scan beats keyed stores).
  private readonly idleKinds: WaitKind[] = [];
  private readonly idleSums: number[] = [];
  // Await sites and wakers in order of first use, found by a scan of the few a task has (a Map by key once there
  // are many), with the last one remembered: consecutive steps mostly share them.
  private awaits: AwaitAcc[] | null = null;
  private awaitIndex: Map<number | null, AwaitAcc> | null = null;
  private lastAwait: AwaitAcc | null = null;
  private wakers: WakerAcc[] | null = null;
  /** Past SCAN_MAX wakers: the wakers by who woke (a few `via`s each), so a lookup builds no key. */
  private wakerIndex: Map<number | null, WakerAcc[]> | null = null;
  private lastWaker: WakerAcc | null = null;
  private wakersOutOfOrder = false;

  /** Idle time spent waiting on something of `kind` (a zero still lists the kind, as a step awaiting it did). */
  addIdle(kind: WaitKind, ns: number): void {
    const kinds = this.idleKinds;
    let k = 0;
    while (k < kinds.length && kinds[k] !== kind) k++;
    if (k === kinds.length) {
      kinds.push(kind);
      this.idleSums.push(0 + ns);
    } else this.idleSums[k] += ns;
    this.idle += ns;
  }

  /** A suspension at `site` (awaiting something of `kind`, or a bare yield) whose gap lasted `gap`. */
  addAwait(site: number | null, kind: AwaitKind, gap: number): void {
    let a = this.lastAwait;
    if (a === null || a.site !== site) {
      a = this.findAwait(site);
      this.lastAwait = a;
    }
    a.count++;
    a.totalNs += gap;
    a.maxNs = Math.max(a.maxNs, gap);
    if (!a.kinds.includes(kind)) a.kinds.push(kind);
  }

  private findAwait(site: number | null): AwaitAcc {
    const list = (this.awaits ??= []);
    let a: AwaitAcc | undefined;
    if (this.awaitIndex !== null) a = this.awaitIndex.get(site);
    else for (let i = 0; i < list.length; i++) if (list[i].site === site) a = list[i];
    if (a === undefined) {
      a = { site, count: 0, totalNs: 0, maxNs: 0, kinds: [] };
      list.push(a);
      if (this.awaitIndex !== null) this.awaitIndex.set(site, a);
      else if (list.length > SCAN_MAX) this.awaitIndex = new Map(list.map((x) => [x.site, x]));
    }
    return a;
  }

  /** Step number `order` (0-based, time order) was woken by `by` / `via`. */
  addWaker(by: number | null, via: string | null, order: number): void {
    let w = this.lastWaker;
    if (w === null || w.by !== by || w.via !== via) {
      w = this.findWaker(by, via, order);
      this.lastWaker = w;
    }
    w.count++;
    if (order < w.first) {
      w.first = order;
      this.wakersOutOfOrder = true;
    }
  }

  private findWaker(by: number | null, via: string | null, order: number): WakerAcc {
    const list = (this.wakers ??= []);
    let w: WakerAcc | undefined;
    const index = this.wakerIndex;
    if (index !== null) {
      const same = index.get(by);
      if (same !== undefined) for (let i = 0; i < same.length; i++) if (sameVia(same[i].via, via)) w = same[i];
    } else for (let i = 0; i < list.length; i++) if (list[i].by === by && sameVia(list[i].via, via)) w = list[i];
    if (w === undefined) {
      w = { by, via, count: 0, first: order };
      list.push(w);
      if (index !== null) indexWaker(index, w);
      else if (list.length > SCAN_MAX) {
        const made = new Map<number | null, WakerAcc[]>();
        for (const x of list) indexWaker(made, x);
        this.wakerIndex = made;
      }
    }
    return w;
  }

  /** Writes the tallies into `info` (sites resolved by `siteAt`). */
  finish(info: TaskInfo, siteAt: (id: number | null) => Site | null): void {
    info.busyNs = this.busy;
    info.idleNs = this.idle;
    info.scheduledNs = this.scheduled;
    for (let k = 0; k < this.idleKinds.length; k++) info.idleByKind[this.idleKinds[k]] = this.idleSums[k];
    if (this.awaits !== null) {
      let lastId: number | null | undefined;
      let lastSite: Site | null = null;
      for (const a of this.awaits) {
        if (a.site !== lastId) {
          lastId = a.site;
          lastSite = siteAt(a.site);
        }
        info.awaits.push({ site: lastSite, count: a.count, totalNs: a.totalNs, maxNs: a.maxNs, kinds: a.kinds } satisfies AwaitSite);
      }
    }
    if (this.wakers !== null) {
      const list = this.wakers;
      if (this.wakersOutOfOrder) list.sort((a, b) => a.first - b.first);
      for (const w of list) info.wakers.push({ by: w.by, via: w.via, count: w.count } satisfies Waker);
    }
  }
}
