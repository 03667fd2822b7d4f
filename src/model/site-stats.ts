// Per-source-line figures of a trace, for the language server's hovers, code lenses and inlay hints: what each await
// line waited for and how long, what each coroutine cost per call, what each creation site made. Built from the
// streaming reader's hooks (stream.ts), so memory grows with the number of sites and the number of waits kept for
// the medians, not with the trace.
//
// A recording of a debug session holds the time the program stood at a breakpoint: the step it stopped in ran that
// long, and every task waiting then waited that much longer. The recorders know a pause (the debugger's pause flush)
// and write no block record for a step it fell in (a pause is no blocked loop), so a step or callback longer than the
// trace's block threshold without a block record is a pause; that span is left out of the busy and wait figures.

import type { StepInfo, TaskInfo, TaskState, TraceView } from './index.js';
import type { StreamHooks } from './stream.js';
import { shortCoro, taskLabelOf } from './task-label.js';
import type { Site } from './types.js';

/** A count per label, most frequent first. */
export interface Tally {
  label: string;
  count: number;
}

/** One line that suspended tasks. */
export interface AwaitLineStats {
  file: string;
  line: number;
  func: string;
  count: number;
  totalNs: number;
  medianNs: number;
  maxNs: number;
  /** Waits a debugger's pause fell in (its span left out of them). */
  paused: number;
  /** What was awaited there ("sleep", "task fetch"), most frequent first. */
  awaited: Tally[];
  /** What resumed it ("task producer", "timer"), most frequent first. */
  wakers: Tally[];
}

/** Tasks that ran one coroutine (or async function). */
export interface FunctionStats {
  /** The file its steps ran in, and its name there (the last part of the qualified name). */
  file: string;
  func: string;
  calls: number;
  busyP50: number;
  busyP95: number;
  waitP50: number;
  waitP95: number;
  /** Times one of its steps blocked the loop. */
  blocked: number;
  /** Figures of its tasks (busy, wait) a debugger's pause fell in (its span left out of them). */
  paused: number;
  /** The tasks, for the timeline (the first MAX_TASK_IDS). */
  taskIds: number[];
}

/** One line that created tasks, or gathered awaitables (gather / Promise.all). */
export interface CreationLineStats {
  file: string;
  line: number;
  tasks: number;
  /** What they ran (the coroutine or function), most frequent first. */
  runs: Tally[];
  /** How the tasks made here ended. */
  ended: Partial<Record<TaskState, number>>;
  gathers: number;
  /** How the gathered tasks or futures ended. */
  children: Partial<Record<TaskState, number>>;
  taskIds: number[];
}

export interface SiteStats {
  awaits: AwaitLineStats[];
  functions: FunctionStats[];
  creations: CreationLineStats[];
}

export const MAX_TASK_IDS = 1000;
/** Labels kept per line: the rest are counted as "other". */
const MAX_LABELS = 8;

interface AwaitAcc {
  site: Site;
  waits: number[];
  paused: number;
  awaited: Map<string, number>;
  wakers: Map<string, number>;
}

interface FunctionAcc {
  file: string;
  func: string;
  busy: number[];
  wait: number[];
  blocked: number;
  paused: number;
  taskIds: number[];
}

/** A step (of `task`) or plain callback (task null) that ran this long: a blocked loop or a debugger's pause. */
interface Slice {
  task: number | null;
  start: number;
  dur: number;
}

/** Figures a pause may have fallen in, kept with their span until the pauses are known (finish): one wait (`busy`
 * null), or a task's busy and wait time over its life (`task`). */
interface Spanned {
  wait: number[];
  busy: number[] | null;
  i: number;
  start: number;
  end: number;
  task: number;
  counted: { paused: number };
}

/** Shorter steps are not looked at as pauses (a person at a breakpoint stops a program for longer), so only the
 * waits and tasks this long are kept with their spans. */
const MIN_PAUSE_NS = 200e6;

interface CreationAcc {
  file: string;
  line: number;
  tasks: number;
  runs: Map<string, number>;
  ended: Partial<Record<TaskState, number>>;
  gathers: number;
  children: Partial<Record<TaskState, number>>;
  taskIds: number[];
}

/** Collects SiteStats while a TraceStream reads: pass `hooks` to the stream, then call finish(). */
export class SiteStatsBuilder {
  private readonly awaits = new Map<number, AwaitAcc>();
  private readonly functions = new Map<string, FunctionAcc>();
  private readonly creations = new Map<string, CreationAcc>();
  /** The file each running task's coroutine was seen in (a step site in the function of its name). */
  private readonly taskFile = new Map<number, string>();
  /** Blocks by task still running (counted when the task is final). */
  private readonly blocksByTask = new Map<number, number>();
  /** Steps and callbacks over MIN_PAUSE_NS, and the blocks' starts by task ('null': callbacks): the pauses are those
   * over the threshold without a block. */
  private readonly longSlices: Slice[] = [];
  private readonly blockStarts = new Map<number | null, number[]>();
  /** Waits and tasks over MIN_PAUSE_NS: the ones a pause may have fallen in. */
  private readonly spanned: Spanned[] = [];
  /** Gathers without a creation site (the Node recorder's Promise.all: it takes no stack): the line that awaited
   * one stands for it, as `await Promise.all(...)` is the usual form. Gathers final before their awaiting step was
   * seen wait here with their children's states; the sites of gathers awaited before they were final, there. */
  private readonly unplacedGathers = new Map<number, Partial<Record<TaskState, number>>>();
  private readonly gatherAwaitSites = new Map<number, Site>();
  readonly hooks: StreamHooks;

  constructor(private readonly view: Pick<TraceView, 'task' | 'future'>) {
    this.hooks = {
      step: (task, step) => this.step(task, step),
      task: (task) => this.task(task),
      block: (b) => {
        if (b.task !== null) this.blocksByTask.set(b.task, (this.blocksByTask.get(b.task) ?? 0) + 1);
        const starts = this.blockStarts.get(b.task);
        if (starts) starts.push(b.start);
        else this.blockStarts.set(b.task, [b.start]);
      },
      callback: (c) => {
        if (c.dur >= MIN_PAUSE_NS) this.longSlices.push({ task: null, start: c.start, dur: c.dur });
      },
      future: (f) => {
        if (f.kind !== 'gather') return;
        const children: Partial<Record<TaskState, number>> = {};
        for (const id of f.children) {
          const state = this.view.task(id)?.state ?? this.view.future(id)?.state;
          if (state === undefined) continue;
          const s: TaskState = state === 'result' ? 'ok' : state === 'exception' ? 'error' : state;
          children[s] = (children[s] ?? 0) + 1;
        }
        const site = f.site ?? this.gatherAwaitSites.get(f.id) ?? null;
        this.gatherAwaitSites.delete(f.id);
        if (site !== null) this.gathered(site, children);
        else this.unplacedGathers.set(f.id, children);
      },
    };
  }

  private step(task: TaskInfo, step: StepInfo): void {
    if (step.dur >= MIN_PAUSE_NS) this.longSlices.push({ task: task.id, start: step.start, dur: step.dur });
    const site = step.site;
    if (site === null) return;
    if (!this.taskFile.has(task.id) && site.func === funcName(task.coro)) this.taskFile.set(task.id, site.file);
    if (step.awaitKind === null) return;
    if (step.awaitKind === 'gather' && step.awaited !== null) this.placeGather(step.awaited, site);
    let acc = this.awaits.get(site.id);
    if (acc === undefined) {
      acc = { site, waits: [], paused: 0, awaited: new Map(), wakers: new Map() };
      this.awaits.set(site.id, acc);
    }
    const wait = step.idleNs + step.scheduledNs;
    if (wait >= MIN_PAUSE_NS) {
      const start = step.start + step.dur;
      this.spanned.push({ wait: acc.waits, busy: null, i: acc.waits.length, start, end: start + wait, task: task.id, counted: acc });
    }
    acc.waits.push(wait);
    bump(acc.awaited, this.awaitedLabel(step));
    const w = step.wake;
    if (w !== null) {
      const by = w.by === null ? undefined : this.view.task(w.by);
      bump(acc.wakers, by ? `task ${taskLabelOf(by).text}` : w.via ?? (w.by === null ? 'unknown' : `awaitable ${w.by}`));
    }
  }

  private awaitedLabel(step: StepInfo): string {
    if (step.awaitKind === 'yield') return 'a bare yield';
    if (step.awaited === null) return step.awaitKind ?? 'unknown';
    const task = this.view.task(step.awaited);
    if (task) return `task ${taskLabelOf(task).text}`;
    return this.view.future(step.awaited)?.kind ?? step.awaitKind ?? 'unknown';
  }

  private task(task: TaskInfo): void {
    const file = this.taskFile.get(task.id);
    this.taskFile.delete(task.id);
    const blocked = this.blocksByTask.get(task.id) ?? 0;
    this.blocksByTask.delete(task.id);
    if (file !== undefined) {
      const func = funcName(task.coro);
      const key = `${file}\0${func}`;
      let acc = this.functions.get(key);
      if (acc === undefined) {
        acc = { file, func, busy: [], wait: [], blocked: 0, paused: 0, taskIds: [] };
        this.functions.set(key, acc);
      }
      const end = task.end ?? Infinity;
      if (end - task.start >= MIN_PAUSE_NS) {
        this.spanned.push({ wait: acc.wait, busy: acc.busy, i: acc.busy.length, start: task.start, end, task: task.id, counted: acc });
      }
      acc.busy.push(task.busyNs);
      acc.wait.push(task.idleNs + task.scheduledNs);
      acc.blocked += blocked;
      if (acc.taskIds.length < MAX_TASK_IDS) acc.taskIds.push(task.id);
    }
    if (task.site !== null) {
      const acc = this.creation(task.site);
      acc.tasks++;
      bump(acc.runs, shortCoro(task.coro) || task.name);
      acc.ended[task.state] = (acc.ended[task.state] ?? 0) + 1;
      if (acc.taskIds.length < MAX_TASK_IDS) acc.taskIds.push(task.id);
    }
  }

  private pauses(thresholdNs: number): Slice[] {
    return pausesOf(this.longSlices, this.blockStarts, thresholdNs);
  }

  /** Takes the paused time out of the figures it fell in: a task's own paused steps out of its busy time, the rest of
   * the paused time in its life, or in a wait, out of that wait. Steps may nest (a Node async function called from
   * another runs in its caller's step): both are paused over the same span, counted once. */
  private leaveOutPauses(pauses: readonly Slice[]): void {
    if (pauses.length === 0) return;
    const spans = mergedSpans(pauses);
    const own = new Map<number | null, number>();
    for (const p of pauses) own.set(p.task, (own.get(p.task) ?? 0) + p.dur);
    for (const x of this.spanned) {
      let paused = 0;
      for (const [a, b] of spans) paused += Math.max(0, Math.min(x.end, b) - Math.max(x.start, a));
      const busyOut = x.busy === null ? 0 : own.get(x.task) ?? 0;
      const waitOut = Math.max(0, paused - busyOut);
      if (busyOut === 0 && waitOut === 0) continue;
      if (x.busy !== null) x.busy[x.i] = Math.max(0, x.busy[x.i] - busyOut);
      x.wait[x.i] = Math.max(0, x.wait[x.i] - waitOut);
      x.counted.paused++;
    }
  }

  /** A gather without a creation site, awaited at `site`. */
  private placeGather(id: number, site: Site): void {
    const waiting = this.unplacedGathers.get(id);
    if (waiting !== undefined) {
      this.unplacedGathers.delete(id);
      this.gathered(site, waiting);
      return;
    }
    const f = this.view.future(id);
    if (f?.kind === 'gather' && f.site === null && !this.gatherAwaitSites.has(id)) this.gatherAwaitSites.set(id, site);
  }

  private gathered(site: Site, children: Partial<Record<TaskState, number>>): void {
    const acc = this.creation(site);
    acc.gathers++;
    for (const [s, n] of Object.entries(children) as [TaskState, number][]) acc.children[s] = (acc.children[s] ?? 0) + n;
  }

  private creation(site: Site): CreationAcc {
    const key = `${site.file}\0${site.line}`;
    let acc = this.creations.get(key);
    if (acc === undefined) {
      acc = { file: site.file, line: site.line, tasks: 0, runs: new Map(), ended: {}, gathers: 0, children: {}, taskIds: [] };
      this.creations.set(key, acc);
    }
    return acc;
  }

  /** The figures, once the stream has finished (every task final), without the debugger's pauses (steps and
   * callbacks over `blockThresholdNs` without a block record; none without a threshold). Await sites of one line
   * are merged. */
  finish(blockThresholdNs: number | null = null): SiteStats {
    this.leaveOutPauses(blockThresholdNs === null ? [] : this.pauses(blockThresholdNs));
    const byLine = new Map<string, AwaitAcc>();
    for (const acc of this.awaits.values()) {
      const key = `${acc.site.file}\0${acc.site.line}`;
      const into = byLine.get(key);
      if (into === undefined) {
        byLine.set(key, acc);
        continue;
      }
      for (const w of acc.waits) into.waits.push(w);
      into.paused += acc.paused;
      for (const [k, n] of acc.awaited) bump(into.awaited, k, n);
      for (const [k, n] of acc.wakers) bump(into.wakers, k, n);
    }
    return {
      awaits: [...byLine.values()].map((a) => ({
        file: a.site.file,
        line: a.site.line,
        func: a.site.func,
        count: a.waits.length,
        totalNs: a.waits.reduce((sum, w) => sum + w, 0),
        medianNs: quantile(a.waits, 0.5),
        maxNs: a.waits.reduce((max, w) => Math.max(max, w), 0),
        paused: a.paused,
        awaited: tally(a.awaited),
        wakers: tally(a.wakers),
      })),
      functions: [...this.functions.values()].map((f) => ({
        file: f.file,
        func: f.func,
        calls: f.busy.length,
        busyP50: quantile(f.busy, 0.5),
        busyP95: quantile(f.busy, 0.95),
        waitP50: quantile(f.wait, 0.5),
        waitP95: quantile(f.wait, 0.95),
        blocked: f.blocked,
        paused: f.paused,
        taskIds: f.taskIds,
      })),
      creations: [...this.creations.values()].map((c) => ({ ...c, runs: tally(c.runs) })),
    };
  }
}

/** The debugger's pauses: the long steps and callbacks with no block record in them. */
function pausesOf(slices: readonly Slice[], blockStarts: ReadonlyMap<number | null, number[]>, thresholdNs: number): Slice[] {
  return slices.filter((s) => s.dur > thresholdNs && !(blockStarts.get(s.task) ?? []).some((b) => b >= s.start && b <= s.start + s.dur));
}

/** The spans the slices cover, overlapping ones merged, in time order. */
function mergedSpans(slices: readonly Slice[]): [number, number][] {
  const out: [number, number][] = [];
  for (const s of [...slices].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last !== undefined && s.start <= last[1]) last[1] = Math.max(last[1], s.start + s.dur);
    else out.push([s.start, s.start + s.dur]);
  }
  return out;
}

/** The name a coroutine's frames carry (a site's `func`): `Client.fetch` → `fetch`, `outer.<locals>.worker` → `worker`. */
export function funcName(coro: string): string {
  const short = shortCoro(coro);
  return short.slice(short.lastIndexOf('.') + 1);
}

/** The nearest-rank quantile (q in 0..1) of `values`, sorted in place; 0 for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))];
}

function bump(m: Map<string, number>, key: string, n = 1): void {
  m.set(key, (m.get(key) ?? 0) + n);
}

function tally(m: Map<string, number>): Tally[] {
  const all = [...m].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
  if (all.length <= MAX_LABELS) return all;
  const rest = all.slice(MAX_LABELS - 1).reduce((n, t) => n + t.count, 0);
  return [...all.slice(0, MAX_LABELS - 1), { label: 'other', count: rest }];
}
