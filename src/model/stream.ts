// The streaming reader: a trace's tasks, findings and time split computed while the file is read, in memory that
// does not grow with the number of steps. It keeps per-task and per-site tallies and what is still live (each
// task's last step, unresolved futures, waits whose waker is not known yet), not the records; TraceIndex (which the
// viewer needs, with every step) and this reader share the rules of the split (split.ts) and the findings.
//
// Order. TraceIndex sorts each task's steps by time and takes a future's earliest `set`; here the records are put
// back in time order (ties: file order) through a window of WINDOW records, which covers how far writers reorder
// (a chunk is time-sorted; a later chunk may start earlier). A trace smaller than the window is fully sorted, so
// every result equals TraceIndex's; a record later than the window is still counted but may split its task's time
// a little differently (a notice says how many). Futures resolved more than RESOLVED_KEPT futures ago are dropped
// (a step awaiting one that long resolved would be counted as waiting on an unknown awaitable).
//
// Rules that follow the file order (the first `task`, `end` or `fut` record of an id counts, the last `name`) use
// each record's position in the file (its seq).

import { FutState, FutureColumns, NO_CHILDREN } from './future-columns.js';
import { emptyData } from './parser.js';
import { ColumnTask, LAST_DUR, LAST_START, TaskTimes } from './task-columns.js';
import {
  cancellerOf,
  futureStateOf,
  type AwaitKind,
  type BlockInfo,
  type CallbackInfo,
  type FutureInfo,
  type LoopInfo,
  type Resolution,
  type StepInfo,
  type TaskInfo,
  type ThreadInfo,
  type TraceMeta,
  type TraceView,
  type WaitKind,
  type WarningInfo,
  type WorkInfo,
} from './index.js';
import { gapEndOf, resumeAt, TaskSplit } from './split.js';
import type {
  BlockRecord,
  CallbackRecord,
  EndRecord,
  FutRecord,
  LoopRecord,
  NameRecord,
  SetRecord,
  SetState,
  Site,
  StepRecord,
  TaskRecord,
  ThreadRecord,
  TraceData,
  TraceHeader,
  WarnRecord,
  WorkRecord,
} from './types.js';

/** Records held back to be put in time order. */
export const WINDOW = 1 << 16;
/** Runs of records in time order the window follows at once (FIFOs), before it sorts by a heap. */
const RUNS = 4;
/** Resolved futures kept for steps that may still name them. */
export const RESOLVED_KEPT = 1 << 14;
const MAX_GATHER_DEPTH = 200;
/** Task ids below this are marked in a bit set (at most 4 MB of it); a larger id is looked up in the Map. */
const ID_BITS = 2 ** 25;
/** Numbers and references a window slot holds (a step's id, dur, awaited, site; a set's via, state, text). */
const NUMS = 4;
const REFS = 3;

const K_LOOP = 0;
const K_TASK = 1;
const K_NAME = 2;
const K_STEP = 3;
const K_END = 4;
const K_FUT = 5;
const K_SET = 6;
const K_CB = 7;
const K_BLOCK = 8;
const K_THREAD = 9;
const K_WORK = 10;
const K_WARN = 11;

/** A resolution, with the step of the task that resolved it as it was then (for the export's wake arrows). */
interface Res extends Resolution {
  /** Start and duration of the resolving task's step running at `t` (NaN: none). */
  stepStart: number;
  stepDur: number;
}

class TaskAgg {
  /** Null once the task is final (its tallies written into `info`). */
  split: TaskSplit | null = new TaskSplit();
  /** Gaps of this task still waiting for their waker. */
  deferred = 0;
  defSeq = Infinity;
  defT = 0;
  recName: string | null = null;
  nameSeq = -1;
  nameText: string | null = null;
  firstNameSeq = Infinity;
  firstNameT = 0;
  endSeq = Infinity;
  endT = 0;
  steps = 0;
  minStepT = 0;
  // The latest step (open: its gap ends at the next step, or at the task's end).
  oT = 0;
  oDur = 0;
  oAwaited: number | null = null;
  oSite: number | null = null;
  oClosed = false;
  /** Resolution as an awaitable (set at its end). */
  res: Res | null = null;
  /** The last step that awaited something, and what woke it (undefined: not known yet). */
  lastAwaitIdx = -1;
  laT = 0;
  laDur = 0;
  laSite: number | null = null;
  laAwaited = 0;
  laKind: AwaitKind | null = null;
  laWake: Res | null | undefined = undefined;
  /** The futures it awaited last and in its last step (slots in FutureColumns with their serials; -1: none). */
  laFut = -1;
  laFutSer = 0;
  lastFut = -1;
  lastFutSer = 0;
  /** The first `set` that cancelled the task itself (task.cancel()). */
  cancel: { by: number | null; via: string | null } | null = null;
  constructor(readonly info: ColumnTask) {}
}

/** A task's last step that awaited something, with what woke it (kept after it is settled only when it was
 * cancelled: the findings ask for it when the runtime cancelled it at exit). */
interface LastAwait {
  t: number;
  dur: number;
  site: number | null;
  awaited: number;
  kind: AwaitKind | null;
  wake: Res | null;
}

/** A task whose figures are final: what later records, the findings and the report still read of it. A large trace
 * has hundreds of thousands, so this replaces its TaskAgg (several times larger, with its tallies), and its own
 * records that still come (further out of order than the time-order window) are not counted. */
class Settled {
  readonly split = null;
  /** Its resolution, kept only when it is not the one its end record made (endRes): undefined then. */
  private readonly ownRes: Res | null | undefined;
  constructor(
    readonly info: ColumnTask,
    res: Res | null,
    readonly steps: number,
    oT: number,
    oDur: number,
    readonly oAwaited: number | null,
    readonly oSite: number | null,
    readonly lastAwait: LastAwait | null,
  ) {
    info.times.set(info.slot, LAST_START, oT);
    info.times.set(info.slot, LAST_DUR, oDur);
    this.ownRes = res !== null && info.end !== null && sameRes(res, endRes(info, steps, oT, oDur)) ? undefined : res;
  }

  /** Its last step's start and duration (in its TaskTimes: numbers in an object would be an object each). */
  get oT(): number {
    return this.info.times.get(this.info.slot, LAST_START);
  }

  get oDur(): number {
    return this.info.times.get(this.info.slot, LAST_DUR);
  }

  get res(): Res | null {
    return this.ownRes !== undefined ? this.ownRes : endRes(this.info, this.steps, this.oT, this.oDur);
  }
}

/** An ended task as an awaitable: resolved by itself; its wake arrow starts at its step running then (its last). */
function endRes(info: TaskInfo, steps: number, oT: number, oDur: number): Res {
  return {
    t: info.end!, by: info.id, via: 'task', state: futureStateOf(info.state), stepStart: steps > 0 ? oT : NaN, stepDur: steps > 0 ? oDur : NaN,
  };
}

function sameRes(x: Res, y: Res): boolean {
  return x.t === y.t && x.by === y.by && x.via === y.via && x.state === y.state && Object.is(x.stepStart, y.stepStart) && Object.is(x.stepDur, y.stepDur);
}

type AnyTask = TaskAgg | Settled;

/** A gap whose waker (and for an unset gather, whose split) is not known yet. */
interface Pending {
  task: TaskAgg;
  idx: number;
  t: number;
  dur: number;
  site: number | null;
  gapStart: number;
  gapEnd: number;
  kind: WaitKind;
  last: boolean;
  /** The split itself is still open (an unset gather, which may resolve when its last child does). */
  full: boolean;
  /** The next step's start (export's wake arrow), NaN for the last step. */
  next: number;
}

/** Where a wake arrow starts: a task's step (task id) or an executor thread's work (thread id). */
export interface WakeSource {
  task: number | null;
  thread: number | null;
  ts: number;
}

/** What an exporter is told while the trace is read (each once its figures are final; tasks interleave). */
export interface StreamHooks {
  /** A step with its wait and wake-up; `next` is the next step's start (null for the last one), `from` where the
   * wake arrow to the next step starts. */
  step?(task: TaskInfo, step: StepInfo, next: number | null, from: WakeSource | null): void;
  /** The task's time from its start to its first step (or its whole life without steps), once known (at the end). */
  taskStart?(task: TaskInfo, first: number | null): void;
  /** A task whose figures are final (the end of the trace, or well after its end): its await sites and wakers are
   * dropped after this call unless the stream keeps tallies. */
  task?(task: TaskInfo): void;
  callback?(c: CallbackInfo): void;
  block?(b: BlockInfo): void;
  work?(w: WorkInfo): void;
  /** A future whose entry is final, with its place in TraceIndex's order (ascending keys). */
  future?(f: FutureInfo, key: number): void;
}

/** The result of a streaming read: what the report and the findings read (TraceView), without per-step data. */
export class StreamView implements TraceView {
  tasks: TaskInfo[] = [];
  blocks: BlockInfo[] = [];
  warnings: WarningInfo[] = [];
  threads: ThreadInfo[] = [];
  loops: LoopInfo[] = [];
  /** Work items per thread id (the threads' `work` lists stay empty: the items are not kept). */
  workCount = new Map<number, number>();
  callbackCount = 0;
  lateRecords = 0;
  meta!: TraceMeta;
  /** @internal */ aggs = new Map<number, AnyTask>();
  /** @internal The futures still known at the end (during the read: see futureNow). */
  futs: Map<number, FutureInfo> = new Map();
  /** @internal During the read: the future still known, as it is now. */
  futureNow: (id: number) => FutureInfo | undefined = () => undefined;
  /** @internal Futures a task waited on last (the findings may name them), kept after they are dropped. */
  pinned = new Map<number, FutureInfo>();
  private lastSteps = new Map<TaskInfo, StepInfo | undefined>();
  private lastAwaits = new Map<TaskInfo, StepInfo | undefined>();
  /** @internal */ siteAt: (id: number | null) => Site | null = () => null;

  task(id: number): TaskInfo | undefined {
    return this.aggs.get(id)?.info;
  }

  future(id: number): FutureInfo | undefined {
    return this.futureNow(id) ?? this.futs.get(id) ?? this.pinned.get(id);
  }

  stepCount(task: TaskInfo): number {
    return this.aggs.get(task.id)?.steps ?? 0;
  }

  lastStep(task: TaskInfo): StepInfo | undefined {
    if (!this.lastSteps.has(task)) {
      const a = this.aggs.get(task.id);
      let s: StepInfo | undefined;
      if (a !== undefined && a.steps > 0) {
        const ended = task.end !== null;
        const awaitKind: AwaitKind | null = a.oAwaited !== null ? this.kindOf(a.oAwaited) : ended ? null : 'yield';
        s = { start: a.oT, dur: a.oDur, awaited: a.oAwaited, awaitKind, site: this.siteAt(a.oSite), idleNs: 0, scheduledNs: 0, wake: null };
      }
      this.lastSteps.set(task, s);
    }
    return this.lastSteps.get(task);
  }

  lastAwaitStep(task: TaskInfo): StepInfo | undefined {
    if (!this.lastAwaits.has(task)) {
      const a = this.aggs.get(task.id);
      const la = a === undefined ? null : a instanceof Settled ? a.lastAwait : lastAwaitOf(a);
      let s: StepInfo | undefined;
      if (la !== null) {
        const w = la.wake;
        s = {
          start: la.t, dur: la.dur, awaited: la.awaited, awaitKind: la.kind, site: this.siteAt(la.site), idleNs: 0, scheduledNs: 0,
          wake: w && { t: w.t, by: w.by, via: w.via, state: w.state },
        };
      }
      this.lastAwaits.set(task, s);
    }
    return this.lastAwaits.get(task);
  }

  private kindOf(id: number): WaitKind {
    if (this.aggs.has(id)) return 'task';
    const f = this.future(id);
    return f === undefined ? 'other' : f.waitKind;
  }
}

function lastAwaitOf(a: TaskAgg): LastAwait | null {
  return a.lastAwaitIdx < 0 ? null : { t: a.laT, dur: a.laDur, site: a.laSite, awaited: a.laAwaited, kind: a.laKind, wake: a.laWake ?? null };
}

/** A list that forwards each push (the parser's TraceData lists, for a streaming read). */
function forward<T>(fn: (r: T) => void): T[] {
  return { push: fn } as unknown as T[];
}

export interface StreamOptions {
  /** Keep each task's await sites, wakers and idle-by-kind in its TaskInfo (default true); the CLI's report reads
   * them in the `task` hook instead, so that they need not stay in memory. */
  keepTallies?: boolean;
  /** Records put back in time order (default WINDOW). */
  window?: number;
  /** Ended tasks kept open before they are made final early (default ENDED_KEPT). */
  endedKept?: number;
}

/** Ended tasks whose figures wait for the end of the trace before they are made final early (a later record of
 * theirs, which only a trace out of order has, would then be counted late). */
export const ENDED_KEPT = 4096;

/** Reads a trace record by record: give `makeData` to a TraceParser, feed it, then call finish() with its data. */
export class TraceStream {
  readonly view = new StreamView();
  private data: TraceData | null = null;
  private seq = 0;
  // The time-order window: RUNS FIFOs and a binary heap on (t, seq) of slots in the record pool. FIFO f holds its
  // records at f * (window + 1) + (fHead[f] .. fHead[f] + fLen[f]) modulo window.
  private readonly hT: Float64Array;
  private readonly hQ: Float64Array;
  private readonly hS: Int32Array;
  private size = 0;
  private readonly fT: Float64Array;
  private readonly fQ: Float64Array;
  private readonly fS: Int32Array;
  private readonly fHead = new Int32Array(RUNS);
  private readonly fLen = new Int32Array(RUNS);
  private readonly fTail = new Float64Array(RUNS);
  /** Records in the window (in the FIFOs and the heap). */
  private held = 0;
  private eof = false;
  // The records in the window, by slot: a step's, set's or fut's fields in typed columns (most records; kept as
  // objects they outlived the young generation by the million and filled the old one with garbage), other records
  // as they are.
  private readonly pK: Uint8Array;
  private readonly pN: Float64Array;
  private readonly pR: unknown[];
  private readonly freeSlots: Int32Array;
  private nFree: number;

  private readonly tasks = this.view.aggs;
  /** The tasks not settled yet (a few thousand): most lookups are of these, and a small Map is much faster than the
   * one of every task (hundreds of thousands) that `tasks` becomes. */
  private readonly live = new Map<number, TaskAgg>();
  /** Which ids below ID_BITS are tasks', one bit each: most ids looked up (what a step awaited) are futures', and this
   * answers "not a task" without a lookup in `tasks`. */
  private idBits = new Int32Array(1 << 10);
  private readonly times = new TaskTimes();
  private readonly futs = new FutureColumns();
  /** Futures dropped while a task not final yet still referred to them (laFut, lastFut): by serial. */
  private readonly dropped = new Map<number, { f: FutState; refs: number }>();
  private readonly resolvedFifo: number[] = [];
  private fifoHead = 0;
  private readonly pending = new Map<number, Pending[]>();
  private readonly workByFuture = new Map<number, WorkInfo>();
  private lastCb: CallbackInfo | null = null;
  private readonly blocksWaiting: { info: BlockInfo; rec: BlockRecord }[] = [];
  private readonly blockRecs: BlockRecord[] = [];
  private readonly warnRecs: { seq: number; r: WarnRecord }[] = [];
  private readonly loopRecs: { seq: number; r: LoopRecord }[] = [];
  private readonly threadRecs = new Map<number, { seq: number; name: string }>();
  private readonly workThreads: number[] = [];

  private readonly keepTallies: boolean;
  private readonly window: number;
  private readonly endedKept: number;
  private readonly endedQueue: TaskAgg[] = [];
  private endedHead = 0;

  constructor(private readonly hooks: StreamHooks = {}, options: StreamOptions = {}) {
    this.keepTallies = options.keepTallies ?? true;
    this.endedKept = options.endedKept ?? ENDED_KEPT;
    this.window = Math.max(1, Math.min(options.window ?? WINDOW, WINDOW));
    const n = this.window + 1;
    this.hT = new Float64Array(n);
    this.hQ = new Float64Array(n);
    this.hS = new Int32Array(n);
    this.fT = new Float64Array(n * RUNS);
    this.fQ = new Float64Array(n * RUNS);
    this.fS = new Int32Array(n * RUNS);
    this.pK = new Uint8Array(n);
    this.pN = new Float64Array(n * NUMS);
    this.pR = new Array<unknown>(n * REFS).fill(undefined);
    this.freeSlots = new Int32Array(n).map((_, i) => i);
    this.nFree = n;
    this.view.futureNow = (id) => {
      const slot = this.futs.slotOf(id);
      return slot === undefined ? undefined : this.futs.snapshot(slot);
    };
  }

  /** For `new TraceParser(stream.makeData)`. */
  readonly makeData = (header: TraceHeader): TraceData => {
    const d = emptyData(header);
    const add = (k: number) => (r: { t: number }) => this.add(k, r);
    d.loops = forward<LoopRecord>(add(K_LOOP));
    d.tasks = forward<TaskRecord>(add(K_TASK));
    d.names = forward<NameRecord>(add(K_NAME));
    d.steps = forward<StepRecord>(add(K_STEP));
    d.ends = forward<EndRecord>(add(K_END));
    d.futs = forward<FutRecord>(add(K_FUT));
    d.sets = forward<SetRecord>(add(K_SET));
    d.callbacks = forward<CallbackRecord>(add(K_CB));
    d.blocks = forward<BlockRecord>(add(K_BLOCK));
    d.threads = forward<ThreadRecord>(add(K_THREAD));
    d.works = forward<WorkRecord>(add(K_WORK));
    d.warns = forward<WarnRecord>(add(K_WARN));
    this.data = d;
    return d;
  };

  private siteAt(id: number | null): Site | null {
    if (id === null || this.data === null) return null;
    return this.data.sites.get(id) ?? null;
  }

  // ---- the window ----
  // Records in time order come in runs, one per writer (the recorder's two writers interleave their chunks): a record
  // not earlier than the last one queued in a FIFO joins the first such FIFO (sorted by construction, O(1)); a record
  // earlier than every FIFO's last goes to the heap. The next record out is the smallest of the heads. (With one FIFO,
  // two interleaved writers sent two thirds of the records through the heap.)

  private add(kind: number, r: { t: number }): void {
    const q = this.seq++;
    const t = r.t;
    const slot = this.store(kind, r);
    const fLen = this.fLen;
    const fTail = this.fTail;
    let f = 0;
    while (f < RUNS && fLen[f] > 0 && t < fTail[f]) f++;
    if (f < RUNS) {
      const base = f * (this.window + 1);
      const i = base + ((this.fHead[f] + fLen[f]++) % this.window);
      this.fT[i] = t;
      this.fQ[i] = q;
      this.fS[i] = slot;
      fTail[f] = t;
    } else this.heapPush(slot, t, q);
    if (++this.held >= this.window) this.release();
  }

  /** Puts a record into a free slot of the pool (ids: -1 for null). */
  private store(kind: number, r: { t: number }): number {
    const slot = this.freeSlots[--this.nFree];
    this.pK[slot] = kind;
    const n = slot * NUMS;
    const o = slot * REFS;
    const pN = this.pN;
    switch (kind) {
      case K_STEP: {
        const s = r as StepRecord;
        pN[n] = s.id;
        pN[n + 1] = s.dur;
        pN[n + 2] = s.awaited ?? -1;
        pN[n + 3] = s.site ?? -1;
        break;
      }
      case K_SET: {
        const s = r as SetRecord;
        pN[n] = s.id;
        pN[n + 1] = s.by ?? -1;
        this.pR[o] = s.via;
        this.pR[o + 1] = s.state;
        this.pR[o + 2] = s.text;
        break;
      }
      case K_FUT: {
        const f = r as FutRecord;
        pN[n] = f.id;
        pN[n + 1] = f.owner ?? -1;
        pN[n + 2] = f.site ?? -1;
        this.pR[o] = f.kind;
        this.pR[o + 1] = f.children.length === 0 ? NO_CHILDREN : f.children;
        break;
      }
      default:
        this.pR[o] = r;
    }
    return slot;
  }

  private heapPush(slot: number, t: number, q: number): void {
    let i = ++this.size;
    const hT = this.hT;
    const hQ = this.hQ;
    const hS = this.hS;
    while (i > 1) {
      const p = i >> 1;
      if (hT[p] < t || (hT[p] === t && hQ[p] < q)) break;
      hT[i] = hT[p];
      hQ[i] = hQ[p];
      hS[i] = hS[p];
      i = p;
    }
    hT[i] = t;
    hQ[i] = q;
    hS[i] = slot;
  }

  private release(): void {
    this.held--;
    // The FIFO whose head comes first (-1: the heap's top).
    let best = -1;
    let bt = this.size > 0 ? this.hT[1] : Infinity;
    let bq = this.size > 0 ? this.hQ[1] : Infinity;
    const n = this.window + 1;
    for (let f = 0; f < RUNS; f++) {
      if (this.fLen[f] === 0) continue;
      const h = f * n + this.fHead[f];
      const t = this.fT[h];
      if (t < bt || (t === bt && this.fQ[h] < bq)) {
        best = f;
        bt = t;
        bq = this.fQ[h];
      }
    }
    if (best < 0) return this.heapPop();
    const slot = this.fS[best * n + this.fHead[best]];
    this.fHead[best] = (this.fHead[best] + 1) % this.window;
    this.fLen[best]--;
    this.out(slot, bt, bq);
  }

  private heapPop(): void {
    const hT = this.hT;
    const hQ = this.hQ;
    const hS = this.hS;
    const t = hT[1];
    const q = hQ[1];
    const slot = hS[1];
    const n = this.size--;
    const lt = hT[n];
    const lq = hQ[n];
    const ls = hS[n];
    let i = 1;
    const size = n - 1;
    for (;;) {
      let c = i << 1;
      if (c > size) break;
      if (c + 1 <= size && (hT[c + 1] < hT[c] || (hT[c + 1] === hT[c] && hQ[c + 1] < hQ[c]))) c++;
      if (lt < hT[c] || (lt === hT[c] && lq < hQ[c])) break;
      hT[i] = hT[c];
      hQ[i] = hQ[c];
      hS[i] = hS[c];
      i = c;
    }
    if (size > 0) {
      hT[i] = lt;
      hQ[i] = lq;
      hS[i] = ls;
    }
    this.out(slot, t, q);
  }

  /** Takes the record out of its slot (freed) and processes it. */
  private out(slot: number, t: number, q: number): void {
    this.freeSlots[this.nFree++] = slot;
    const n = slot * NUMS;
    const o = slot * REFS;
    const pN = this.pN;
    const pR = this.pR;
    switch (this.pK[slot]) {
      case K_STEP:
        return this.step(t, pN[n], pN[n + 1], idOrNull(pN[n + 2]), idOrNull(pN[n + 3]));
      case K_SET: {
        const text = pR[o + 2] as string;
        pR[o + 2] = undefined;
        return this.set(t, pN[n], pR[o + 1] as SetState, idOrNull(pN[n + 1]), pR[o] as string | null, text, q);
      }
      case K_FUT: {
        const children = pR[o + 1] as number[];
        pR[o + 1] = undefined;
        return this.fut(t, pN[n], pR[o] as string, idOrNull(pN[n + 1]), idOrNull(pN[n + 2]), children, q);
      }
    }
    const r = pR[o];
    pR[o] = undefined;
    this.process(this.pK[slot], r, q);
  }

  private process(kind: number, r: unknown, q: number): void {
    switch (kind) {
      case K_END:
        return this.end(r as EndRecord, q);
      case K_TASK:
        return this.taskRec(r as TaskRecord, q);
      case K_NAME:
        return this.name(r as NameRecord, q);
      case K_CB:
        return this.callback(r as CallbackRecord);
      case K_BLOCK:
        return this.block(r as BlockRecord);
      case K_WORK:
        return this.work(r as WorkRecord);
      case K_WARN:
        this.warnRecs.push({ seq: q, r: r as WarnRecord });
        return;
      case K_LOOP:
        this.loopRecs.push({ seq: q, r: r as LoopRecord });
        return;
      case K_THREAD: {
        const th = r as ThreadRecord;
        const known = this.threadRecs.get(th.id);
        if (known === undefined || known.seq > q) this.threadRecs.set(th.id, { seq: q, name: th.name });
        return;
      }
    }
  }

  // ---- tasks ----

  private agg(id: number): AnyTask {
    let a: AnyTask | undefined = this.taskOf(id);
    if (a === undefined) {
      const t = new TaskAgg(new ColumnTask(id, NONE, this.times, this.times.add()));
      this.tasks.set(id, t);
      this.live.set(id, t);
      if (id < ID_BITS) {
        if (id >= this.idBits.length * 32) {
          const bits = new Int32Array(Math.min(ID_BITS, 2 ** Math.ceil(Math.log2(id + 1))) / 32);
          bits.set(this.idBits);
          this.idBits = bits;
        }
        this.idBits[id >>> 5] |= 1 << (id & 31);
      }
      a = t;
    }
    return a;
  }

  /** The task of `id`, if it is one. */
  private taskOf(id: number): AnyTask | undefined {
    const a = this.live.get(id);
    if (a !== undefined) return a;
    if (id < this.idBits.length * 32 && (this.idBits[id >>> 5] & (1 << (id & 31))) === 0) return undefined;
    return this.tasks.get(id);
  }

  private taskRec(r: TaskRecord, q: number): void {
    const a = this.agg(r.id);
    if (a.split === null || q > a.defSeq) return;
    a.defSeq = q;
    const info = a.info;
    info.defined = true;
    info.parent = r.parent;
    info.coro = this.intern(r.coro);
    info.loop = r.loop;
    info.site = this.siteAt(r.site);
    a.defT = r.t;
    a.recName = r.name;
  }

  private name(r: NameRecord, q: number): void {
    const a = this.agg(r.id);
    if (a.split === null) return; // its name is final
    if (q > a.nameSeq) {
      a.nameSeq = q;
      a.nameText = r.name;
    }
    if (q < a.firstNameSeq) {
      a.firstNameSeq = q;
      a.firstNameT = r.t;
    }
  }

  private end(r: EndRecord, q: number): void {
    const a = this.agg(r.id);
    if (a.split === null || q > a.endSeq) return;
    a.endSeq = q;
    a.endT = r.t;
    const info = a.info;
    info.end = r.t;
    info.state = r.state;
    info.result = r.text === null ? null : this.intern(r.text);
    info.error = null;
    info.raiseSite = null;
    if (r.state === 'error') {
      info.error = r.text;
      info.raiseSite = this.siteAt(r.site);
    }
    a.res = endRes(info, a.steps, a.oT, a.oDur);
    this.resolvePending(r.id);
    this.endedQueue.push(a);
    if (this.endedQueue.length - this.endedHead > this.endedKept) this.finalizeEarly(this.endedQueue[this.endedHead++]);
    // Dropped from the queue soon: a settled task's TaskAgg must not be kept by it.
    if (this.endedHead > 1024) {
      this.endedQueue.splice(0, this.endedHead);
      this.endedHead = 0;
    }
  }

  /** An ended task long before the current time: its figures are made final now (unless something it waited on
   * last is not resolved yet: then at the end). */
  private finalizeEarly(a: TaskAgg): void {
    if (a.split === null || a.deferred > 0) return;
    if (a.steps > 0 && a.oAwaited !== null) {
      const res = this.resolutionNow(a.oAwaited);
      if (res === null || res === undefined) return;
    }
    this.finalize(a);
  }

  private step(t: number, id: number, dur: number, awaited: number | null, site: number | null): void {
    const a = this.agg(id);
    if (a.split === null) {
      this.view.lateRecords++;
      return;
    }
    if (a.steps > 0) {
      // Earlier than the task's step before it: further out of order than the window (the split takes it as next).
      if (t < a.oT) this.view.lateRecords++;
      this.close(a, false, t);
    } else a.minStepT = t;
    a.steps++;
    a.split.busy += dur;
    a.oT = t;
    a.oDur = dur;
    a.oAwaited = awaited;
    a.oSite = site;
  }

  /** The resolution of `id` as far as known now: null when none yet (a later one can only come at or after the
   * current time), undefined for an unset gather (its children may resolve it earlier: decided at the end). */
  private resolutionNow(id: number): Res | null | undefined {
    const a = this.taskOf(id);
    if (a !== undefined) return a.res;
    const futs = this.futs;
    const s = futs.slotOf(id);
    if (s === undefined) return null;
    if (futs.resolvedYet[s] === 1) return this.resAt(s);
    if (futs.kind[s] === 'gather' && futs.children[s].length > 0) return this.eof ? this.finalResolution(id, 0) : undefined;
    return null;
  }

  private readonly finalMemo = new Map<number, Res | null>();
  private readonly interned = new Map<string, string>();

  /** One copy of a short text many tasks share (their coroutine, a result such as None): each record's is a new
   * string, and a task's are kept until the end. */
  private intern(text: string): string {
    if (text.length > 64) return text;
    const known = this.interned.get(text);
    if (known !== undefined) return known;
    if (this.interned.size >= 1 << 14) this.interned.clear();
    this.interned.set(text, text);
    return text;
  }

  /** Makes the task's figures final: its last gap, start and creation time, name, split, canceller. */
  private finalize(a: TaskAgg): void {
    const split = a.split!;
    if (a.steps > 0 && !a.oClosed) this.close(a, true, 0);
    const view = this.view;
    const info = a.info;
    const defined = a.defSeq !== Infinity;
    const t0 = defined ? a.defT : a.firstNameSeq !== Infinity ? a.firstNameT : a.steps > 0 ? a.minStepT : a.endT;
    info.start = a.steps > 0 && a.minStepT < t0 ? a.minStepT : t0;
    info.created = defined ? a.defT : info.start;
    const name = a.nameText ?? a.recName;
    if (name !== null) info.name = name;
    const stop = info.end ?? this.data!.endNs;
    split.scheduled += Math.max(0, (a.steps > 0 ? a.minStepT : stop) - info.start);
    split.finish(info, (id) => this.siteAt(id));
    a.split = null;
    if (info.state === 'cancelled') {
      if (a.cancel !== null) info.cancelledBy = cancellerOf(a.cancel);
      else if (a.lastAwaitIdx >= 0 && a.laWake && a.laWake.state === 'cancelled') info.cancelledBy = a.laWake.by ?? a.laWake.via;
    }
    // Futures the findings may name (what a task still pending, or cancelled at exit, waited on last) stay known.
    const named = info.end === null || info.state === 'cancelled';
    if (named && a.laFut >= 0) {
      const f = this.referred(a.laFut, a.laFutSer);
      view.pinned.set(f.id, f);
    }
    if (named && a.lastFut >= 0) {
      const f = this.referred(a.lastFut, a.lastFutSer);
      view.pinned.set(f.id, f);
    }
    this.unrefer(a.laFut, a.laFutSer);
    this.unrefer(a.lastFut, a.lastFutSer);
    a.laFut = a.lastFut = -1;
    view.tasks.push(info);
    this.hooks.taskStart?.(info, a.steps > 0 ? a.minStepT : null);
    this.hooks.task?.(info);
    if (!this.keepTallies) {
      info.awaits = NONE;
      info.wakers = NONE;
      info.idleByKind = NO_IDLE;
    }
    this.live.delete(info.id);
    this.tasks.set(info.id, new Settled(
      info, a.res, a.steps, a.oT, a.oDur, a.oAwaited, a.oSite, info.state === 'cancelled' ? lastAwaitOf(a) : null,
    ));
  }

  /** TraceIndex.resolution's rule at the end of the trace: an unset gather resolves when its last child does. */
  private finalResolution(id: number, depth: number): Res | null {
    const known = this.finalMemo.get(id);
    if (known !== undefined) return known;
    const a = this.taskOf(id);
    if (a !== undefined) return a.res;
    const futs = this.futs;
    const s = futs.slotOf(id);
    if (s === undefined) return null;
    if (futs.resolvedYet[s] === 1) return this.resAt(s);
    if (depth > MAX_GATHER_DEPTH) return null;
    this.finalMemo.set(id, null);
    let r: Res | null = null;
    if (futs.kind[s] === 'gather' && futs.children[s].length > 0) {
      let lastR: Res | null = null;
      let ok = true;
      for (const child of futs.children[s]) {
        const c = this.finalResolution(child, depth + 1);
        if (c === null) {
          ok = false;
          break;
        }
        if (lastR === null || c.t >= lastR.t) lastR = c;
      }
      if (ok && lastR !== null) r = { t: lastR.t, by: lastR.by, via: lastR.via, state: 'result', stepStart: lastR.stepStart, stepDur: lastR.stepDur };
    }
    this.finalMemo.set(id, r);
    return r;
  }

  /** Ends the gap after the task's open step: at the next step's start, or (last) at the task's or trace's end. */
  private close(a: TaskAgg, last: boolean, nextStart: number): void {
    const idx = a.steps - 1;
    const gapStart = a.oT + a.oDur;
    const ended = a.endSeq !== Infinity; // info.end !== null, without its column's accessor (once per step)
    const gapEnd = gapEndOf(gapStart, last ? (ended ? a.endT : this.data!.endNs) : nextStart);
    const gap = gapEnd - gapStart;
    const awaited = a.oAwaited;
    const split = a.split!;
    const next = last ? NaN : nextStart;
    if (awaited === null) {
      if (!(last && ended)) split.addAwait(a.oSite, 'yield', gap);
      if (!last) split.addWaker(null, 'yield', idx);
      split.scheduled += gap;
      if (this.hooks.step) this.emitStep(a, idx, gapStart, gapEnd, null, last && ended ? null : 'yield', null, next);
      return;
    }
    // kindOf() and resolutionNow() with one lookup each.
    const awaitedTask = this.taskOf(awaited);
    const futs = this.futs;
    const fs = awaitedTask === undefined ? futs.slotOf(awaited) : undefined;
    const kind: WaitKind = awaitedTask !== undefined ? 'task' : fs === undefined ? 'other' : futs.wait[fs];
    split.addAwait(a.oSite, kind, gap);
    a.lastAwaitIdx = idx;
    a.laT = a.oT;
    a.laDur = a.oDur;
    a.laSite = a.oSite;
    a.laAwaited = awaited;
    a.laKind = kind;
    this.refer(a, fs ?? -1, false);
    a.laWake = undefined;
    if (last) this.refer(a, fs ?? -1, true);
    const res =
      awaitedTask !== undefined
        ? awaitedTask.res
        : fs === undefined
          ? null
          : futs.resolvedYet[fs] === 1
            ? this.resAt(fs)
            : futs.kind[fs] === 'gather' && futs.children[fs].length > 0
              ? this.eof
                ? this.finalResolution(awaited, 0)
                : undefined
              : null;
    if (res === undefined) {
      split.addIdle(kind, 0);
      this.defer(awaited, { task: a, idx, t: a.oT, dur: a.oDur, site: a.oSite, gapStart, gapEnd, kind, last, full: true, next });
      return;
    }
    const r = resumeAt(gapStart, gapEnd, res === null ? null : res.t);
    split.addIdle(kind, r - gapStart);
    split.scheduled += gapEnd - r;
    if (res !== null || this.eof) {
      if (!last) split.addWaker(res === null ? null : res.by, res === null ? null : res.via, idx);
      a.laWake = res;
      if (this.hooks.step) this.emitStep(a, idx, gapStart, gapEnd, r, kind, res, next);
    } else {
      // Resolved later than the task resumed (or never): only the waker is still to be learnt.
      this.defer(awaited, { task: a, idx, t: a.oT, dur: a.oDur, site: a.oSite, gapStart, gapEnd, kind, last, full: false, next });
    }
  }

  private defer(id: number, p: Pending): void {
    p.task.deferred++;
    const list = this.pending.get(id);
    if (list === undefined) this.pending.set(id, [p]);
    else list.push(p);
  }

  /** `id` was resolved (or the trace ended): the gaps that waited on it learn their waker. */
  private resolvePending(id: number): void {
    if (this.pending.size === 0) return;
    const list = this.pending.get(id);
    if (list === undefined) return;
    this.pending.delete(id);
    const res = this.eof ? this.finalResolution(id, 0) : this.resolutionNow(id) ?? null;
    for (const p of list) {
      const a = p.task;
      const split = a.split!;
      a.deferred--;
      let r = p.gapEnd;
      if (p.full) {
        r = resumeAt(p.gapStart, p.gapEnd, res === null ? null : res.t);
        split.addIdle(p.kind, r - p.gapStart);
        split.scheduled += p.gapEnd - r;
      }
      if (!p.last) split.addWaker(res === null ? null : res.by, res === null ? null : res.via, p.idx);
      if (a.lastAwaitIdx === p.idx) a.laWake = res;
      if (this.hooks.step) this.emitStepOf(a, p.idx, p.t, p.dur, p.site, id, p.gapStart, p.gapEnd, r, p.kind, res, p.next);
    }
  }

  private emitStep(a: TaskAgg, idx: number, gapStart: number, gapEnd: number, r: number | null, kind: AwaitKind | null, res: Res | null, next: number): void {
    this.emitStepOf(a, idx, a.oT, a.oDur, a.oSite, a.oAwaited, gapStart, gapEnd, r ?? gapStart, kind, res, next);
  }

  private emitStepOf(
    a: TaskAgg, _idx: number, t: number, dur: number, site: number | null, awaited: number | null,
    gapStart: number, gapEnd: number, r: number, kind: AwaitKind | null, res: Res | null, next: number,
  ): void {
    const wake = res && { t: res.t, by: res.by, via: res.via, state: res.state };
    const step: StepInfo = { start: t, dur, awaited, awaitKind: kind, site: this.siteAt(site), idleNs: r - gapStart, scheduledNs: gapEnd - r, wake };
    let from: WakeSource | null = null;
    if (res !== null && !Number.isNaN(next)) from = this.wakeSource(a, awaited, res);
    this.hooks.step!(a.info, step, Number.isNaN(next) ? null : next, from);
  }

  /** The exporter's wake arrow: from the resolving task's step then, or the executor work that resolved it. */
  private wakeSource(a: TaskAgg, awaited: number | null, res: Res): WakeSource | null {
    let resolver: AnyTask | undefined;
    let stepStart = res.stepStart;
    let stepDur = res.stepDur;
    if (res.by !== null) resolver = this.taskOf(res.by);
    else if (awaited !== null) {
      // A gather is resolved by a done-callback: its arrow comes from the child that finished last.
      const f = this.futs.slotOf(awaited);
      if (f !== undefined && this.futs.kind[f] === 'gather') {
        for (const id of this.futs.children[f]) {
          const c = this.taskOf(id);
          if (c !== undefined && c.info.end !== null && (resolver === undefined || c.info.end >= resolver.info.end!)) resolver = c;
        }
        if (resolver !== undefined) {
          stepStart = resolver.steps > 0 && resolver.oT <= res.t ? resolver.oT : NaN;
          stepDur = resolver.oDur;
        }
      }
    }
    if (resolver !== undefined && resolver !== a) {
      if (Number.isNaN(stepStart)) return null;
      return { task: resolver.info.id, thread: null, ts: Math.min(Math.max(res.t, stepStart), stepStart + Math.max(0, stepDur - 1)) };
    }
    const w = awaited === null ? undefined : this.workByFuture.get(awaited);
    if (w !== undefined) return { task: null, thread: w.thread, ts: w.start + Math.max(0, w.dur - 1) };
    return null;
  }

  // ---- futures ----

  private fut(t: number, id: number, kind: string, owner: number | null, site: number | null, children: number[], q: number): void {
    const futs = this.futs;
    let s = futs.slotOf(id);
    if (s !== undefined && futs.key[s] <= q) return;
    if (s === undefined) s = futs.add(id, q);
    else futs.key[s] = q;
    futs.setKind(s, kind);
    futs.owner[s] = owner ?? -1;
    futs.site[s] = this.siteAt(site);
    futs.created[s] = t;
    futs.children[s] = children;
  }

  private set(t: number, id: number, state: SetState, by: number | null, via: string | null, text: string, q: number): void {
    const futs = this.futs;
    let f = futs.slotOf(id);
    if (f === undefined) {
      const a = this.taskOf(id);
      if (a !== undefined && a.info.defined) {
        // A set on a task itself: task.cancel().
        if (state === 'cancelled' && a.split !== null && a.cancel === null) a.cancel = { by, via };
        return;
      }
      f = futs.add(id, 2 ** 52 + q);
    }
    if (futs.resolvedYet[f] === 1) return; // the first resolution counts (the earliest: records come in time order)
    futs.resolvedYet[f] = 1;
    futs.state[f] = state;
    futs.resolved[f] = t;
    futs.by[f] = by ?? -1;
    futs.via[f] = via ?? (by !== null ? 'task' : null);
    futs.text[f] = text;
    const resolver = by === null ? undefined : this.taskOf(by);
    futs.stepStart[f] = resolver !== undefined && resolver.steps > 0 ? resolver.oT : NaN;
    futs.stepDur[f] = resolver !== undefined ? resolver.oDur : NaN;
    this.resolvePending(id);
    this.resolvedFifo.push(id);
    if (this.resolvedFifo.length - this.fifoHead > RESOLVED_KEPT) this.evict(this.resolvedFifo[this.fifoHead++]);
    if (this.fifoHead > 1 << 16) {
      this.resolvedFifo.splice(0, this.fifoHead);
      this.fifoHead = 0;
    }
  }

  private evict(id: number): void {
    const futs = this.futs;
    const s = futs.slotOf(id);
    if (s === undefined || (this.pending.size > 0 && this.pending.has(id))) return;
    // Kept: an exception someone may report as never retrieved, a gather whose children may still be asked for.
    if (futs.state[s] === 'exception' || futs.kind[s] === 'gather') return;
    const refs = futs.refs[s];
    const ser = futs.ser[s];
    const f = futs.remove(s, refs > 0 || this.hooks.future !== undefined);
    if (refs > 0) this.dropped.set(ser, { f: f!, refs });
    if (this.workByFuture.size > 0) this.workByFuture.delete(id);
    if (f !== null) this.hooks.future?.(f, f.key);
  }

  /** The resolution of the future in slot `s` (resolved). */
  private resAt(s: number): Res {
    const futs = this.futs;
    return { t: futs.resolved[s], by: idOrNull(futs.by[s]), via: futs.via[s], state: futs.state[s], stepStart: futs.stepStart[s], stepDur: futs.stepDur[s] };
  }

  /** Points the task's laFut (or with `last`, lastFut) at the future in slot `s` (-1: none), which then stays
   * reachable (dropped) until the task is final. */
  private refer(a: TaskAgg, s: number, last: boolean): void {
    const ser = s < 0 ? 0 : this.futs.ser[s];
    if (last) {
      if (a.lastFut === s && a.lastFutSer === ser) return;
      this.unrefer(a.lastFut, a.lastFutSer);
      a.lastFut = s;
      a.lastFutSer = ser;
    } else {
      if (a.laFut === s && a.laFutSer === ser) return;
      this.unrefer(a.laFut, a.laFutSer);
      a.laFut = s;
      a.laFutSer = ser;
    }
    if (s >= 0) this.futs.refs[s]++;
  }

  private unrefer(s: number, ser: number): void {
    if (s < 0) return;
    if (this.futs.ser[s] === ser) {
      this.futs.refs[s]--;
      return;
    }
    const d = this.dropped.get(ser)!;
    if (--d.refs === 0) this.dropped.delete(ser);
  }

  /** The future a task refers to, known still or dropped since. */
  private referred(s: number, ser: number): FutState {
    return this.futs.ser[s] === ser ? this.futs.object(s) : this.dropped.get(ser)!.f;
  }

  // ---- the loop: callbacks, blocks, work ----

  private callback(c: CallbackRecord): void {
    const site = this.siteAt(c.site);
    const info: CallbackInfo = { name: c.name ?? site?.func ?? 'callback', start: c.t, dur: c.dur, site };
    this.settleBlocks(c.t);
    this.lastCb = info;
    this.view.callbackCount++;
    this.hooks.callback?.(info);
  }

  /** Blocks by a plain callback name the callback running over them: the last one started by their start. */
  private settleBlocks(before: number): void {
    const waiting = this.blocksWaiting;
    let n = 0;
    while (n < waiting.length && waiting[n].info.start < before) n++;
    if (n === 0) return;
    for (const { info } of waiting.splice(0, n)) {
      const c = this.lastCb;
      info.callback = c && c.start + c.dur >= info.start + info.dur ? c.name : null;
      this.hooks.block?.(info);
    }
  }

  private block(b: BlockRecord): void {
    const info: BlockInfo = { start: b.t, dur: b.dur, task: b.task, callback: null, sites: [], seen: b.seen, samples: b.samples };
    this.view.blocks.push(info);
    this.blockRecs.push(b);
    if (b.task === null) this.blocksWaiting.push({ info, rec: b });
    else this.hooks.block?.(info);
  }

  private work(w: WorkRecord): void {
    const info: WorkInfo = { thread: w.thread, fn: w.fn, start: w.t, dur: w.dur, future: w.future, site: this.siteAt(w.site) };
    const n = this.view.workCount.get(w.thread);
    if (n === undefined) this.workThreads.push(w.thread);
    this.view.workCount.set(w.thread, (n ?? 0) + 1);
    if (w.future !== null && this.hooks.step) this.workByFuture.set(w.future, info);
    this.hooks.work?.(info);
  }

  // ---- the end ----

  /** Everything read (the parser's end() returned `data`): settles what was still open and returns the view. */
  finish(): StreamView {
    const data = this.data!;
    while (this.held > 0) this.release();
    this.eof = true;
    const view = this.view;
    view.siteAt = (id) => this.siteAt(id);
    view.meta = {
      header: data.header, exit: data.exit, truncated: data.truncated, skipped: data.skipped,
      firstSkippedLine: data.firstSkippedLine, endNs: data.endNs, notices: [...data.notices],
    };
    if (view.lateRecords > 0) {
      view.meta.notices.push(
        `${view.lateRecords} step${view.lateRecords === 1 ? '' : 's'} came more than ${this.window} records after a later step of their task; the time split of those tasks may differ slightly from the viewer's`,
      );
    }
    // Last gaps first (their resolutions are final now), then the gaps still waiting for a waker, then the tasks.
    for (const a of this.tasks.values()) {
      if (a.split !== null && a.steps > 0) {
        this.close(a, true, 0);
        a.oClosed = true;
      }
    }
    for (const id of [...this.pending.keys()]) this.resolvePending(id);
    this.settleBlocks(Infinity);
    for (let i = 0; i < view.blocks.length; i++) {
      view.blocks[i].sites = this.blockRecs[i].sites.map((id) => this.siteAt(id)).filter((s): s is Site => s !== null);
    }
    for (const a of this.tasks.values()) if (a.split !== null) this.finalize(a);
    view.tasks.sort((x, y) => x.created - y.created || x.id - y.id);
    for (const t of view.tasks) {
      const p = t.parent === null ? undefined : this.tasks.get(t.parent)?.info;
      if (p === undefined) continue;
      if (p.children === NONE) p.children = [];
      p.children.push(t.id);
    }
    for (const s of this.futs.slotList()) view.futs.set(this.futs.id[s], this.futs.object(s));
    view.futureNow = () => undefined;
    if (this.hooks.future) {
      for (const s of this.futs.slotList()) this.hooks.future(this.futs.object(s), this.futs.key[s]);
    }
    this.warnRecs.sort((x, y) => x.seq - y.seq);
    view.warnings = this.warnRecs.map(({ r: w }) => ({ t: w.t, kind: w.kind, site: this.siteAt(w.site), task: w.task, text: w.text }));
    this.loopRecs.sort((x, y) => x.seq - y.seq);
    const loops = new Map<number, LoopInfo>();
    for (const { r: l } of this.loopRecs) {
      let info = loops.get(l.loop);
      if (!info) loops.set(l.loop, (info = { id: l.loop, thread: l.thread, events: [] }));
      info.events.push({ t: l.t, event: l.event });
    }
    view.loops = [...loops.values()];
    const threads = [...this.threadRecs].sort((x, y) => x[1].seq - y[1].seq).map(([id, { name }]) => ({ id, name, work: [] as WorkInfo[] }));
    for (const id of this.workThreads) if (!this.threadRecs.has(id)) threads.push({ id, name: `thread ${id}`, work: [] });
    view.threads = threads;
    return view;
  }
}

/** A pooled id: -1 stands for null. */
function idOrNull(v: number): number | null {
  return v < 0 ? null : v;
}

// Shared by every task that has none (frozen: a list is replaced, never pushed to, once it is one of these).
const NONE: never[] = Object.freeze([]) as unknown as never[];
const NO_IDLE: TaskInfo['idleByKind'] = Object.freeze({});


