// TraceIndex: the parsed records resolved into tasks, futures, callbacks, blocks and executor work, with each task's
// time split into busy / idle (by what it awaited) / scheduled. Built in linear time from TraceData; a live view
// rebuilds it from the parser's growing data (`new TraceIndex(parser.data)`) whenever new chunks arrived.
//
// Time split of a task: [created, first step) is scheduled; the gap between the end of step i and the start of step
// i+1 is split at the resolution time r of what step i awaited: [end_i, r) idle of the awaited kind, [r, start_i+1)
// scheduled (woken, waiting for the loop). A bare yield makes the whole gap scheduled; an unknown r makes it idle.
// A task that never ended runs its last gap up to the trace's end time.

import type { Site, TraceData, TraceHeader } from './types.js';

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

export class TraceIndex {
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

  private readonly taskById = new Map<number, TaskInfo>();
  private readonly futureById = new Map<number, FutureInfo>();
  private readonly resolutions = new Map<number, Resolution | null>();
  /** `set ... cancelled` records addressed to a task itself (task.cancel()). */
  private readonly taskCancels = new Map<number, { by: number | null; via: string | null }>();

  constructor(readonly data: TraceData) {
    const site = (id: number | null) => this.site(id);
    this.meta = {
      header: data.header,
      exit: data.exit,
      truncated: data.truncated,
      skipped: data.skipped,
      firstSkippedLine: data.firstSkippedLine,
      endNs: data.endNs,
      notices: data.notices,
    };
    this.indexFutures(site);
    this.indexTasks(site);
    this.callbacks = data.callbacks
      .map((c) => ({ name: c.name, start: c.t, dur: c.dur, site: site(c.site) }))
      .sort((a, b) => a.start - b.start);
    this.blocks = data.blocks
      .map((b) => ({
        start: b.t,
        dur: b.dur,
        task: b.task,
        callback: b.task === null ? this.callbackAround(b.t, b.dur) : null,
        sites: b.sites.map(site).filter((s): s is Site => s !== null),
      }))
      .sort((a, b) => a.start - b.start);
    this.work = data.works
      .map((w) => ({ thread: w.thread, fn: w.fn, start: w.t, dur: w.dur, future: w.future, site: site(w.site) }))
      .sort((a, b) => a.start - b.start);
    this.indexThreads();
    this.indexLoops();
    this.warnings = data.warns.map((w) => ({ t: w.t, kind: w.kind, site: site(w.site), task: w.task, text: w.text }));
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
    if (known !== undefined) return known;
    // Gathers of gathers recurse; a crafted chain thousands deep must not overflow the stack.
    if (depth > MAX_GATHER_DEPTH) return null;
    this.resolutions.set(id, null); // guards against cycles through gather children
    const r = this.resolve(id, depth);
    this.resolutions.set(id, r);
    return r;
  }

  /** The wait category of awaiting `id`. */
  kindOf(id: number): WaitKind {
    if (this.taskById.has(id)) return 'task';
    return this.futureById.get(id)?.waitKind ?? 'other';
  }

  private resolve(id: number, depth: number): Resolution | null {
    const task = this.taskById.get(id);
    if (task) {
      return task.end === null ? null : { t: task.end, by: id, via: 'task', state: futureStateOf(task.state) };
    }
    const fut = this.futureById.get(id);
    if (!fut) return null;
    if (fut.resolved !== null) return { t: fut.resolved, by: fut.resolvedBy, via: fut.via, state: fut.state };
    // An unset gather resolves when its last child does (not so asyncio.wait: it may return at the first).
    if (fut.kind !== 'gather' || fut.children.length === 0) return null;
    let last: Resolution | null = null;
    for (const child of fut.children) {
      const r = this.resolution(child, depth + 1);
      if (r === null) return null;
      if (last === null || r.t >= last.t) last = r;
    }
    return last && { ...last, state: 'result' };
  }

  private indexFutures(site: (id: number | null) => Site | null): void {
    for (const f of this.data.futs) {
      if (this.futureById.has(f.id)) continue;
      const info: FutureInfo = {
        id: f.id,
        kind: f.kind,
        waitKind: waitKindOf(f.kind),
        state: 'pending',
        owner: f.owner,
        site: site(f.site),
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
    const taskIds = new Set(this.data.tasks.map((t) => t.id));
    for (const s of this.data.sets) {
      let info = this.futureById.get(s.id);
      if (!info) {
        if (taskIds.has(s.id)) {
          if (s.state === 'cancelled' && !this.taskCancels.has(s.id)) this.taskCancels.set(s.id, s);
          continue;
        }
        info = { id: s.id, kind: 'future', waitKind: 'future', state: 'pending', owner: null, site: null, created: null, resolved: null, resolvedBy: null, via: null, text: null, children: [] };
        this.futures.push(info);
        this.futureById.set(s.id, info);
      }
      if (info.resolved !== null && info.resolved <= s.t) continue; // the first resolution counts
      Object.assign(info, { state: s.state, resolved: s.t, resolvedBy: s.by, via: s.via ?? (s.by !== null ? 'task' : null), text: s.text });
    }
  }

  private indexTasks(site: (id: number | null) => Site | null): void {
    const data = this.data;
    const get = (id: number, t: number): TaskInfo => {
      let info = this.taskById.get(id);
      if (!info) {
        info = newTask(id, t);
        this.taskById.set(id, info);
      }
      return info;
    };
    for (const r of data.tasks) {
      if (this.taskById.get(r.id)?.defined) continue;
      const info = get(r.id, r.t);
      Object.assign(info, { defined: true, parent: r.parent, coro: r.coro, site: site(r.site), loop: r.loop, created: r.t, start: r.t });
      if (r.name !== null) info.name = r.name;
    }
    for (const n of data.names) get(n.id, n.t).name = n.name;
    const stepsOf = new Map<number, { t: number; dur: number; awaited: number | null; site: number | null }[]>();
    for (const s of data.steps) {
      get(s.id, s.t);
      let list = stepsOf.get(s.id);
      if (!list) stepsOf.set(s.id, (list = []));
      list.push(s);
    }
    for (const e of data.ends) {
      const info = get(e.id, e.t);
      if (info.end !== null) continue;
      info.end = e.t;
      info.state = e.state;
      info.result = e.text;
      if (e.state === 'error') {
        info.error = e.text;
        info.raiseSite = site(e.site);
      }
    }
    // Ends are known for every task now, so resolutions (which need task ends) can be computed.
    for (const info of this.taskById.values()) {
      const steps = (stepsOf.get(info.id) ?? []).sort((a, b) => a.t - b.t);
      if (steps.length > 0 && steps[0].t < info.start) info.start = steps[0].t;
      if (!info.defined) info.created = info.start;
      this.splitTime(info, steps, site);
      if (info.state === 'cancelled') info.cancelledBy = this.canceller(info);
    }
    this.tasks.push(...this.taskById.values());
    this.tasks.sort((a, b) => a.created - b.created || a.id - b.id);
    for (const t of this.tasks) if (t.parent !== null) this.taskById.get(t.parent)?.children.push(t.id);
  }

  private splitTime(
    info: TaskInfo,
    steps: { t: number; dur: number; awaited: number | null; site: number | null }[],
    site: (id: number | null) => Site | null,
  ): void {
    const stop = info.end ?? this.data.endNs;
    const awaits = new Map<number | null, AwaitSite>();
    const wakers = new Map<string, Waker>();
    info.scheduledNs = Math.max(0, (steps.length > 0 ? steps[0].t : stop) - info.start);
    steps.forEach((s, i) => {
      const gapStart = s.t + s.dur;
      const gapEnd = Math.max(gapStart, i + 1 < steps.length ? steps[i + 1].t : stop);
      const gap = gapEnd - gapStart;
      const last = i + 1 === steps.length;
      const step: StepInfo = { start: s.t, dur: s.dur, awaited: s.awaited, awaitKind: null, site: site(s.site), idleNs: 0, scheduledNs: gap, wake: null };
      info.busyNs += s.dur;
      if (s.awaited !== null) {
        const kind = this.kindOf(s.awaited);
        const wake = this.resolution(s.awaited);
        const r = wake === null ? gapEnd : Math.min(gapEnd, Math.max(gapStart, wake.t));
        step.awaitKind = kind;
        step.wake = wake;
        step.idleNs = r - gapStart;
        step.scheduledNs = gapEnd - r;
        info.idleByKind[kind] = (info.idleByKind[kind] ?? 0) + step.idleNs;
      }
      // A last step followed by `end` is not a suspension.
      if (!(last && info.end !== null && s.awaited === null)) {
        if (s.awaited === null) step.awaitKind = 'yield';
        const a = awaits.get(s.site) ?? { site: step.site, count: 0, totalNs: 0, maxNs: 0, kinds: [] };
        awaits.set(s.site, a);
        a.count++;
        a.totalNs += gap;
        a.maxNs = Math.max(a.maxNs, gap);
        if (!a.kinds.includes(step.awaitKind!)) a.kinds.push(step.awaitKind!);
        if (!last) {
          const by = step.wake?.by ?? null;
          const via = s.awaited === null ? 'yield' : step.wake?.via ?? null;
          const key = `${by}|${via}`;
          const w = wakers.get(key) ?? { by, via, count: 0 };
          wakers.set(key, w);
          w.count++;
        }
      }
      info.idleNs += step.idleNs;
      info.scheduledNs += step.scheduledNs;
      info.steps.push(step);
    });
    info.awaits = [...awaits.values()];
    info.wakers = [...wakers.values()];
  }

  /** A cancelled task was cancelled by whoever cancelled it directly (a `set` on its id) or cancelled the future
   * it was waiting on when it got the CancelledError. */
  private canceller(info: TaskInfo): number | string | null {
    const own = this.taskCancels.get(info.id);
    if (own) return own.by ?? own.via;
    for (let i = info.steps.length - 1; i >= 0; i--) {
      const s = info.steps[i];
      if (s.awaited === null) continue;
      if (s.wake?.state !== 'cancelled') return null;
      return s.wake.by ?? s.wake.via;
    }
    return null;
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
    this.threads.push(...byId.values());
  }

  private indexLoops(): void {
    const byId = new Map<number, LoopInfo>();
    for (const l of this.data.loops) {
      let info = byId.get(l.loop);
      if (!info) byId.set(l.loop, (info = { id: l.loop, thread: l.thread, events: [] }));
      info.events.push({ t: l.t, event: l.event });
    }
    this.loops.push(...byId.values());
  }
}

function newTask(id: number, t: number): TaskInfo {
  return {
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
    steps: [],
    awaits: [],
    wakers: [],
  };
}

function futureStateOf(state: TaskState): FutureState {
  return state === 'ok' ? 'result' : state === 'error' ? 'exception' : state;
}
