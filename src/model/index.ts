// TraceIndex: the parsed records resolved into tasks, futures, callbacks, blocks and executor work, with each task's
// time split into busy / idle (by what it awaited) / scheduled. Built in linear time from TraceData; a live view
// rebuilds it from the parser's growing data (`new TraceIndex(parser.data)`) whenever new chunks arrived.
//
// Time split of a task: [created, first step) is scheduled; the gap between the end of step i and the start of step
// i+1 is split at the resolution time r of what step i awaited: [end_i, r) idle of the awaited kind, [r, start_i+1)
// scheduled (woken, waiting for the loop). A bare yield makes the whole gap scheduled; an unknown r makes it idle.
// A task that never ended runs its last gap up to the trace's end time.
//
// The build is the viewer's first frame on a large trace, so it avoids work per step: ids index arrays (idtable.ts),
// the split is computed without an object per step, and a task's `steps` (StepInfo objects, with their wake-ups) are
// built when first read: the viewer reads them only for the lanes it draws or the task it describes.

import { IdRange, type IdTable } from './idtable.js';
import { gapEndOf, resumeAt, TaskSplit } from './split.js';
import type { SetRecord, Site, StepRecord, TraceData, TraceHeader } from './types.js';

export type WaitKind = 'sleep' | 'future' | 'task' | 'gather' | 'lock' | 'queue' | 'executor' | 'io' | 'other';
export const WAIT_KINDS: readonly WaitKind[] = ['sleep', 'future', 'task', 'gather', 'lock', 'queue', 'executor', 'io', 'other'];
/** What a step suspended on: a wait kind, or a bare yield (`asyncio.sleep(0)`). */
export type AwaitKind = WaitKind | 'yield';

export type TaskState = 'ok' | 'error' | 'cancelled' | 'pending';
export type FutureState = 'result' | 'exception' | 'cancelled' | 'pending';

/** Who resolved an awaitable: a task (`by`) or, when none ran, `via` ("timer", "io", "thread", "shutdown", ...). */
export interface Resolution {
  t: number;
  by: number | null;
  via: string | null;
  state: FutureState;
}

export interface StepInfo {
  start: number;
  dur: number;
  /** What the task suspended on after this step (null: bare yield, or the last step). */
  awaited: number | null;
  awaitKind: AwaitKind | null;
  site: Site | null;
  /** The gap after this step: idle first, then scheduled (woken, not yet running). */
  idleNs: number;
  scheduledNs: number;
  /** When what it awaited was resolved, and by whom: the waker of the next step. Null when unknown. */
  wake: Resolution | null;
}

export interface AwaitSite {
  site: Site | null;
  count: number;
  /** Suspended time at this site (idle + scheduled), summed and largest. */
  totalNs: number;
  maxNs: number;
  kinds: AwaitKind[];
}

export interface Waker {
  by: number | null;
  via: string | null;
  count: number;
}

export interface TaskInfo {
  id: number;
  /** False when only referenced (its `task` line was lost). */
  defined: boolean;
  parent: number | null;
  children: number[];
  name: string;
  coro: string;
  site: Site | null;
  loop: number | null;
  created: number;
  /** min(created, first step start): eager tasks may run before their `task` record's time. */
  start: number;
  end: number | null;
  state: TaskState;
  /** The end record's text: result repr, exception text or cancel message. */
  result: string | null;
  error: string | null;
  raiseSite: Site | null;
  /** Who cancelled it: a task id, a `via` string ("shutdown", "timer", ...) or null when unknown. */
  cancelledBy: number | string | null;
  busyNs: number;
  idleNs: number;
  scheduledNs: number;
  idleByKind: Partial<Record<WaitKind, number>>;
  /** Built on first read (an own enumerable property, so spread and JSON see it; assignable like any other). */
  steps: StepInfo[];
  awaits: AwaitSite[];
  wakers: Waker[];
}

export interface FutureInfo {
  id: number;
  /** The recorder's kind (`sleep`, `gather`, `semaphore`, ...). */
  kind: string;
  waitKind: WaitKind;
  state: FutureState;
  owner: number | null;
  site: Site | null;
  created: number | null;
  resolved: number | null;
  resolvedBy: number | null;
  via: string | null;
  text: string | null;
  children: number[];
}

export interface CallbackInfo {
  name: string;
  start: number;
  dur: number;
  site: Site | null;
}

export interface BlockInfo {
  start: number;
  dur: number;
  task: number | null;
  /** The plain callback that blocked, when `task` is null and a callback record covers the block. */
  callback: string | null;
  /** The stack seen while stuck, innermost first. */
  sites: Site[];
  /** How many of the stacks sampled while stuck showed this one's innermost line (null: not said). */
  seen: number | null;
  samples: number | null;
}

export interface WorkInfo {
  thread: number;
  fn: string;
  start: number;
  dur: number;
  future: number | null;
  site: Site | null;
}

export interface ThreadInfo {
  id: number;
  name: string;
  work: WorkInfo[];
}

export interface LoopInfo {
  id: number;
  thread: number | null;
  events: { t: number; event: string }[];
}

export interface WarningInfo {
  t: number;
  kind: string;
  site: Site | null;
  task: number | null;
  text: string;
}

export interface TraceMeta {
  header: TraceHeader;
  exit: { t: number; how: string; detail: string | number | null } | null;
  truncated: boolean;
  skipped: number;
  firstSkippedLine: number | null;
  endNs: number;
  notices: string[];
}

/** What the report, the findings and the exporter read of a trace: a TraceIndex (every step in memory, for the
 * viewer) or the streaming reader's StreamView (stream.ts: tallies only, for large traces). */
export interface TraceView {
  readonly tasks: TaskInfo[];
  readonly blocks: BlockInfo[];
  readonly warnings: WarningInfo[];
  readonly threads: ThreadInfo[];
  readonly loops: LoopInfo[];
  readonly meta: TraceMeta;
  task(id: number): TaskInfo | undefined;
  future(id: number): FutureInfo | undefined;
  /** How many steps the task ran. */
  stepCount(task: TaskInfo): number;
  /** The task's last step (its figures other than start, duration, awaited and site are not always known). */
  lastStep(task: TaskInfo): StepInfo | undefined;
  /** The task's last step that awaited something, with what woke it. */
  lastAwaitStep(task: TaskInfo): StepInfo | undefined;
}

const MAX_GATHER_DEPTH = 200;

const FUTURE_KINDS: Record<string, WaitKind> = {
  future: 'future',
  sleep: 'sleep',
  gather: 'gather',
  executor: 'executor',
  io: 'io',
  queue: 'queue',
  lock: 'lock',
  semaphore: 'lock',
  event: 'lock',
  condition: 'lock',
  barrier: 'lock',
  wait: 'other',
  shield: 'other',
  timeout: 'other',
};

/** The wait category of a recorder future kind; unknown kinds are plain futures (per the format). */
export function waitKindOf(futureKind: string): WaitKind {
  return Object.prototype.hasOwnProperty.call(FUTURE_KINDS, futureKind) ? FUTURE_KINDS[futureKind] : 'future';
}

export class TraceIndex implements TraceView {
  /** Tasks in creation order. */
  readonly tasks: TaskInfo[] = [];
  readonly futures: FutureInfo[] = [];
  readonly callbacks: CallbackInfo[];
  readonly blocks: BlockInfo[];
  readonly threads: ThreadInfo[] = [];
  readonly work: WorkInfo[];
  readonly loops: LoopInfo[] = [];
  readonly warnings: WarningInfo[];
  readonly meta: TraceMeta;

  // Keyed by awaitable id: arrays over the trace's id ranges (see idtable.ts), not Maps, for the hot loops.
  private readonly taskById: IdTable<TaskInfo>;
  private readonly futureById: IdTable<FutureInfo>;
  /** resolution() by id: null when unknown or never, DIRECT while a resolution straight from a task's end or a
   * future's `set` has not been asked for as an object yet (wakeOf() reads it without building one). */
  private readonly resolutions: IdTable<Resolution | null>;
  /** `set ... cancelled` records addressed to a task itself (task.cancel()). */
  private readonly taskCancels: IdTable<SetRecord>;
  /** The sites as they were when the index was built. */
  private readonly sites: IdTable<Site>;
  /** Each task's step records, in time order (TaskInfo.steps is built from them on first use). */
  private readonly stepLists: IdTable<StepRecord[]>;
  /** wakeOf()'s answer: the resolution's fields, without an object per awaited future. */
  private wakeT = 0;
  private wakeBy: number | null = null;
  private wakeVia: string | null = null;
  private wakeState: FutureState = 'pending';

  constructor(readonly data: TraceData) {
    this.meta = {
      header: data.header,
      exit: data.exit,
      truncated: data.truncated,
      skipped: data.skipped,
      firstSkippedLine: data.firstSkippedLine,
      endNs: data.endNs,
      notices: data.notices,
    };
    const { taskIds, futIds, awaitedIds } = idRanges(data);
    const siteIds = new IdRange();
    for (const id of data.sites.keys()) siteIds.extend(id);
    const taskRecords = data.tasks.length + data.names.length + data.steps.length + data.ends.length;
    this.taskById = taskIds.table(taskRecords);
    this.taskCancels = taskIds.table(taskRecords);
    this.futureById = futIds.table(data.futs.length + data.sets.length);
    this.resolutions = awaitedIds.table(data.steps.length + data.futs.length);
    this.sites = siteIds.table(data.sites.size);
    this.stepLists = taskIds.table(data.steps.length);
    for (const [id, s] of data.sites) this.sites.set(id, s);

    // Tasks are created in the order they are first referenced: task records, then names, steps and ends.
    const created: TaskInfo[] = [];
    this.defineTasks(created);
    this.indexFutures();
    this.indexTasks(created);
    this.callbacks = data.callbacks
      .map((c) => {
        const site = this.siteAt(c.site);
        return { name: c.name ?? site?.func ?? 'callback', start: c.t, dur: c.dur, site };
      })
      .sort((a, b) => a.start - b.start);
    this.blocks = data.blocks
      .map((b) => ({
        start: b.t,
        dur: b.dur,
        task: b.task,
        callback: b.task === null ? this.callbackAround(b.t, b.dur) : null,
        sites: b.sites.map((id) => this.siteAt(id)).filter((s): s is Site => s !== null),
        seen: b.seen,
        samples: b.samples,
      }))
      .sort((a, b) => a.start - b.start);
    this.work = data.works
      .map((w) => ({ thread: w.thread, fn: w.fn, start: w.t, dur: w.dur, future: w.future, site: this.siteAt(w.site) }))
      .sort((a, b) => a.start - b.start);
    this.indexThreads();
    this.indexLoops();
    this.warnings = data.warns.map((w) => ({ t: w.t, kind: w.kind, site: this.siteAt(w.site), task: w.task, text: w.text }));
  }

  task(id: number): TaskInfo | undefined {
    return this.taskById.get(id);
  }

  future(id: number): FutureInfo | undefined {
    return this.futureById.get(id);
  }

  site(id: number | null): Site | null {
    return id === null ? null : this.data.sites.get(id) ?? null;
  }

  /** When and by whom awaitable `id` (a task or a future) was resolved; null when unknown or never. */
  resolution(id: number, depth = 0): Resolution | null {
    const known = this.resolutions.get(id);
    if (known !== undefined) return known === DIRECT ? this.materialize(id) : known;
    // Gathers of gathers recurse; a crafted chain thousands deep must not overflow the stack.
    if (depth > MAX_GATHER_DEPTH) return null;
    this.resolutions.set(id, null); // guards against cycles through gather children
    const r = this.resolve(id, depth);
    this.resolutions.set(id, r);
    return r;
  }

  stepCount(task: TaskInfo): number {
    return task.steps.length;
  }

  lastStep(task: TaskInfo): StepInfo | undefined {
    return task.steps.at(-1);
  }

  lastAwaitStep(task: TaskInfo): StepInfo | undefined {
    for (let i = task.steps.length - 1; i >= 0; i--) if (task.steps[i].awaited !== null) return task.steps[i];
    return undefined;
  }

  /** The wait category of awaiting `id`. */
  kindOf(id: number): WaitKind {
    if (this.taskById.get(id) !== undefined) return 'task';
    const fut = this.futureById.get(id);
    return fut === undefined ? 'other' : fut.waitKind;
  }

  /** site() as of the index's construction (the parser's data keeps growing in a live view). */
  private siteAt(id: number | null): Site | null {
    if (id === null) return null;
    const s = this.sites.get(id);
    return s === undefined ? null : s;
  }

  /** Builds the resolution object wakeOf() left as DIRECT (a task's end or a future's `set`: no recursion). */
  private materialize(id: number): Resolution | null {
    const r = this.resolve(id, 0);
    this.resolutions.set(id, r);
    return r;
  }

  /** resolution(id) as fields (wakeT, wakeBy, wakeVia, wakeState; false: null), leaving the same entry in the
   * cache as resolution(id) would, but without building the object when it comes straight from a task or a future:
   * most steps await a future of their own, and most of their StepInfo objects are never built (see buildSteps). */
  private wakeOf(id: number): boolean {
    let known = this.resolutions.get(id);
    if (known === undefined) {
      const task = this.taskById.get(id);
      if (task !== undefined) known = task.end === null ? null : DIRECT;
      else {
        const fut = this.futureById.get(id);
        known = fut === undefined ? null : fut.resolved !== null ? DIRECT : this.resolution(id);
      }
      this.resolutions.set(id, known);
    }
    if (known === null) return false;
    if (known !== DIRECT) {
      this.wakeT = known.t;
      this.wakeBy = known.by;
      this.wakeVia = known.via;
      this.wakeState = known.state;
      return true;
    }
    const task = this.taskById.get(id);
    if (task !== undefined) {
      this.wakeT = task.end!;
      this.wakeBy = id;
      this.wakeVia = 'task';
      this.wakeState = futureStateOf(task.state);
    } else {
      const fut = this.futureById.get(id)!;
      this.wakeT = fut.resolved!;
      this.wakeBy = fut.resolvedBy;
      this.wakeVia = fut.via;
      this.wakeState = fut.state;
    }
    return true;
  }

  private resolve(id: number, depth: number): Resolution | null {
    const task = this.taskById.get(id);
    if (task !== undefined) {
      return task.end === null ? null : { t: task.end, by: id, via: 'task', state: futureStateOf(task.state) };
    }
    const fut = this.futureById.get(id);
    if (fut === undefined) return null;
    if (fut.resolved !== null) return { t: fut.resolved, by: fut.resolvedBy, via: fut.via, state: fut.state };
    // An unset gather resolves when its last child does (not so asyncio.wait: it may return at the first).
    if (fut.kind !== 'gather' || fut.children.length === 0) return null;
    let last: Resolution | null = null;
    for (const child of fut.children) {
      const r = this.resolution(child, depth + 1);
      if (r === null) return null;
      if (last === null || r.t >= last.t) last = r;
    }
    return last && { t: last.t, by: last.by, via: last.via, state: 'result' };
  }

  private newTask(id: number, t: number, created: TaskInfo[]): TaskInfo {
    const info = newTask(id, t, this);
    this.taskById.set(id, info);
    created.push(info);
    return info;
  }

  /** The tasks of `task` records (the first record of an id counts). */
  private defineTasks(created: TaskInfo[]): void {
    for (const r of this.data.tasks) {
      if (this.taskById.get(r.id) !== undefined) continue;
      const info = this.newTask(r.id, r.t, created);
      info.defined = true;
      info.parent = r.parent;
      info.coro = r.coro;
      info.site = this.siteAt(r.site);
      info.loop = r.loop;
      if (r.name !== null) info.name = r.name;
    }
  }

  private indexFutures(): void {
    let lastKind: string | null = null;
    let lastWaitKind: WaitKind = 'future';
    for (const f of this.data.futs) {
      if (this.futureById.get(f.id) !== undefined) continue;
      if (f.kind !== lastKind) {
        lastKind = f.kind;
        lastWaitKind = waitKindOf(f.kind);
      }
      const info: FutureInfo = {
        id: f.id,
        kind: f.kind,
        waitKind: lastWaitKind,
        state: 'pending',
        owner: f.owner,
        site: this.siteAt(f.site),
        created: f.t,
        resolved: null,
        resolvedBy: null,
        via: null,
        text: null,
        children: f.children,
      };
      this.futures.push(info);
      this.futureById.set(f.id, info);
    }
    // Only the tasks of `task` records exist yet: a `set` on one of those is a task.cancel(), not a future.
    for (const s of this.data.sets) {
      let info = this.futureById.get(s.id);
      if (info === undefined) {
        if (this.taskById.get(s.id) !== undefined) {
          if (s.state === 'cancelled' && this.taskCancels.get(s.id) === undefined) this.taskCancels.set(s.id, s);
          continue;
        }
        info = { id: s.id, kind: 'future', waitKind: 'future', state: 'pending', owner: null, site: null, created: null, resolved: null, resolvedBy: null, via: null, text: null, children: [] };
        this.futures.push(info);
        this.futureById.set(s.id, info);
      }
      if (info.resolved !== null && info.resolved <= s.t) continue; // the first resolution counts
      info.state = s.state;
      info.resolved = s.t;
      info.resolvedBy = s.by;
      info.via = s.via ?? (s.by !== null ? 'task' : null);
      info.text = s.text;
    }
  }

  private indexTasks(created: TaskInfo[]): void {
    const data = this.data;
    const stepLists = this.stepLists;
    for (const n of data.names) (this.taskById.get(n.id) ?? this.newTask(n.id, n.t, created)).name = n.name;
    for (const s of data.steps) {
      let list = stepLists.get(s.id);
      if (list === undefined) {
        if (this.taskById.get(s.id) === undefined) this.newTask(s.id, s.t, created);
        stepLists.set(s.id, (list = []));
      }
      list.push(s);
    }
    for (const e of data.ends) {
      const info = this.taskById.get(e.id) ?? this.newTask(e.id, e.t, created);
      if (info.end !== null) continue;
      info.end = e.t;
      info.state = e.state;
      info.result = e.text;
      if (e.state === 'error') {
        info.error = e.text;
        info.raiseSite = this.siteAt(e.site);
      }
    }
    // Ends are known for every task now, so resolutions (which need task ends) can be computed.
    for (const info of created) {
      const steps = stepLists.get(info.id) ?? [];
      // Steps are written as they end, so a task's steps are nearly always in time order already (sort is stable:
      // sorting only when needed gives the same order).
      if (!sortedByTime(steps)) steps.sort((a, b) => a.t - b.t);
      if (steps.length > 0 && steps[0].t < info.start) info.start = steps[0].t;
      if (!info.defined) info.created = info.start;
      this.splitTime(info, steps);
    }
    for (const info of created) this.tasks.push(info);
    this.tasks.sort((a, b) => a.created - b.created || a.id - b.id);
    for (const t of this.tasks) if (t.parent !== null) this.taskById.get(t.parent)?.children.push(t.id);
  }

  /** Splits the task's time into busy / idle (by kind) / scheduled and finds its awaits, wakers and canceller (see
   * the top of this file), without building its steps (buildSteps: the same per-step figures, on first use). Hot:
   * one pass over the steps, with the per-step lookups done once each and no object per step. */
  private splitTime(info: TaskInfo, steps: StepRecord[]): void {
    const n = steps.length;
    const ended = info.end !== null;
    const stop = info.end ?? this.meta.endNs;
    const split = new TaskSplit();
    let lastAwaited = -1;
    split.scheduled = Math.max(0, (n > 0 ? steps[0].t : stop) - info.start);
    for (let i = 0; i < n; i++) {
      const s = steps[i];
      const gapStart = s.t + s.dur;
      const last = i + 1 === n;
      const gapEnd = gapEndOf(gapStart, last ? stop : steps[i + 1].t);
      const gap = gapEnd - gapStart;
      const awaited = s.awaited;
      let woken = false;
      let r = gapStart;
      split.busy += s.dur;
      if (awaited !== null) {
        lastAwaited = i;
        const kind = this.kindOf(awaited);
        woken = this.wakeOf(awaited);
        r = resumeAt(gapStart, gapEnd, woken ? this.wakeT : null);
        split.addIdle(kind, r - gapStart);
        split.addAwait(s.site, kind, gap);
      } else if (!(last && ended)) split.addAwait(s.site, 'yield', gap); // a last step followed by `end` is not a suspension
      if (!last) {
        split.addWaker(woken ? this.wakeBy : null, awaited === null ? 'yield' : woken ? this.wakeVia : null, i);
      }
      split.scheduled += gapEnd - r;
    }
    split.finish(info, (id) => this.siteAt(id));
    // A cancelled task was cancelled by whoever cancelled it directly (a `set` on its id) or cancelled the future it
    // was waiting on when it got the CancelledError (that of its last step that awaited something).
    if (info.state === 'cancelled') {
      const own = this.taskCancels.get(info.id);
      if (own !== undefined) info.cancelledBy = cancellerOf(own);
      else if (lastAwaited >= 0 && this.wakeOf(steps[lastAwaited].awaited!) && this.wakeState === 'cancelled') {
        info.cancelledBy = this.wakeBy ?? this.wakeVia;
      }
    }
  }

  /** TaskInfo.steps, built on first use (most tasks' steps are never looked at in the viewer) from what the index
   * had when it was built: the figures splitTime computed, with the wake-up objects of resolution(). */
  private buildSteps(info: TaskInfo): StepInfo[] {
    const steps = this.stepLists.get(info.id);
    const out: StepInfo[] = [];
    if (steps === undefined) return out;
    const n = steps.length;
    const ended = info.end !== null;
    const stop = info.end ?? this.meta.endNs;
    let lastSiteId: number | null | undefined;
    let lastSite: Site | null = null;
    for (let i = 0; i < n; i++) {
      const s = steps[i];
      const gapStart = s.t + s.dur;
      const last = i + 1 === n;
      const gapEnd = gapEndOf(gapStart, last ? stop : steps[i + 1].t);
      const awaited = s.awaited;
      if (s.site !== lastSiteId) {
        lastSiteId = s.site;
        lastSite = this.siteAt(s.site);
      }
      let awaitKind: AwaitKind | null = null;
      let wake: Resolution | null = null;
      let r = gapStart;
      if (awaited !== null) {
        awaitKind = this.kindOf(awaited);
        wake = this.resolution(awaited);
        r = resumeAt(gapStart, gapEnd, wake === null ? null : wake.t);
      } else if (!(last && ended)) awaitKind = 'yield';
      out.push({ start: s.t, dur: s.dur, awaited, awaitKind, site: lastSite, idleNs: r - gapStart, scheduledNs: gapEnd - r, wake });
    }
    return out;
  }

  /** The callback running over [start, start + dur): the last one started by then (callbacks of one loop do not
   * overlap), found by binary search over the sorted callbacks. */
  private callbackAround(start: number, dur: number): string | null {
    let lo = 0;
    let hi = this.callbacks.length - 1;
    let found: CallbackInfo | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.callbacks[mid].start <= start) {
        found = this.callbacks[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found && found.start + found.dur >= start + dur ? found.name : null;
  }

  private indexThreads(): void {
    const byId = new Map<number, ThreadInfo>();
    for (const t of this.data.threads) if (!byId.has(t.id)) byId.set(t.id, { id: t.id, name: t.name, work: [] });
    for (const w of this.work) {
      let th = byId.get(w.thread);
      if (!th) byId.set(w.thread, (th = { id: w.thread, name: `thread ${w.thread}`, work: [] }));
      th.work.push(w);
    }
    for (const th of byId.values()) this.threads.push(th);
  }

  private indexLoops(): void {
    const byId = new Map<number, LoopInfo>();
    for (const l of this.data.loops) {
      let info = byId.get(l.loop);
      if (!info) byId.set(l.loop, (info = { id: l.loop, thread: l.thread, events: [] }));
      info.events.push({ t: l.t, event: l.event });
    }
    for (const l of byId.values()) this.loops.push(l);
  }
}

/** The ranges of the ids of tasks, futures and what steps and gathers await. A function of its own with plain loops
 * over every record: it runs once, mostly before the optimizing compiler has seen it, and as loops of the large
 * constructor each was compiled on the spot and thrown away at the next loop (1M records: ~0.3 s of 1.8). */
function idRanges(data: TraceData): { taskIds: IdRange; futIds: IdRange; awaitedIds: IdRange } {
  const taskIds = new IdRange();
  const futIds = new IdRange();
  const awaitedIds = new IdRange();
  const { tasks, names, steps, ends, futs, sets } = data;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < tasks.length; i++) {
    const id = tasks[i].id;
    if (id < lo) lo = id;
    if (id > hi) hi = id;
  }
  for (let i = 0; i < names.length; i++) {
    const id = names[i].id;
    if (id < lo) lo = id;
    if (id > hi) hi = id;
  }
  let alo = Infinity;
  let ahi = -Infinity;
  for (let i = 0; i < steps.length; i++) {
    const r = steps[i];
    const id = r.id;
    if (id < lo) lo = id;
    if (id > hi) hi = id;
    const a = r.awaited;
    if (a !== null) {
      if (a < alo) alo = a;
      if (a > ahi) ahi = a;
    }
  }
  for (let i = 0; i < ends.length; i++) {
    const id = ends[i].id;
    if (id < lo) lo = id;
    if (id > hi) hi = id;
  }
  taskIds.lo = lo;
  taskIds.hi = hi;
  lo = Infinity;
  hi = -Infinity;
  for (let i = 0; i < futs.length; i++) {
    const r = futs[i];
    const id = r.id;
    if (id < lo) lo = id;
    if (id > hi) hi = id;
    const children = r.children;
    for (let j = 0; j < children.length; j++) {
      const c = children[j];
      if (c < alo) alo = c;
      if (c > ahi) ahi = c;
    }
  }
  for (let i = 0; i < sets.length; i++) {
    const id = sets[i].id;
    if (id < lo) lo = id;
    if (id > hi) hi = id;
  }
  futIds.lo = lo;
  futIds.hi = hi;
  awaitedIds.lo = alo;
  awaitedIds.hi = ahi;
  return { taskIds, futIds, awaitedIds };
}

function sortedByTime(steps: StepRecord[]): boolean {
  for (let i = 1; i < steps.length; i++) if (steps[i].t < steps[i - 1].t) return false;
  return true;
}

/** The sentinel of TraceIndex.resolutions (never handed out). */
const DIRECT: Resolution = Object.freeze({ t: NaN, by: null, via: null, state: 'pending' });

/** Tasks whose `steps` is still the lazy accessor: the index that builds them, or the steps once built or set (when
 * the task was frozen meanwhile, so that the accessor could not be replaced). */
const lazySteps = new WeakMap<TaskInfo, TraceIndex | StepInfo[]>();

function setSteps(this: TaskInfo, steps: StepInfo[]): void {
  try {
    // From now on a plain data property, as if it had always been one.
    Object.defineProperty(this, 'steps', { value: steps, writable: true, enumerable: true, configurable: true });
    lazySteps.delete(this);
  } catch {
    lazySteps.set(this, steps);
  }
}

function getSteps(this: TaskInfo): StepInfo[] {
  const lazy = lazySteps.get(this);
  if (Array.isArray(lazy)) return lazy;
  const steps = lazy === undefined ? [] : lazy['buildSteps'](this);
  setSteps.call(this, steps);
  return steps;
}

/** TaskInfo.steps until first used: an own enumerable property in its place (spread, JSON and Object.keys see it),
 * with one getter and setter for all tasks (so that tasks share their hidden class). */
const LAZY_STEPS: PropertyDescriptor = { get: getSteps, set: setSteps, enumerable: true, configurable: true };

function newTask(id: number, t: number, index: TraceIndex): TaskInfo {
  const info = {
    id,
    defined: false,
    parent: null,
    children: [],
    name: `task ${id}`,
    coro: '',
    site: null,
    loop: null,
    created: t,
    start: t,
    end: null,
    state: 'pending',
    result: null,
    error: null,
    raiseSite: null,
    cancelledBy: null,
    busyNs: 0,
    idleNs: 0,
    scheduledNs: 0,
    idleByKind: {},
  } as Omit<TaskInfo, 'steps' | 'awaits' | 'wakers'> as TaskInfo;
  Object.defineProperty(info, 'steps', LAZY_STEPS);
  info.awaits = [];
  info.wakers = [];
  lazySteps.set(info, index);
  return info;
}

/** Who cancelled a task through a `set … cancelled` on its own id: the task that did, else how. */
export function cancellerOf(set: { by: number | null; via: string | null }): number | string | null {
  return set.by ?? set.via;
}

export function futureStateOf(state: TaskState): FutureState {
  return state === 'ok' ? 'result' : state === 'error' ? 'exception' : state;
}
