// Per-source-line figures of a trace, for the language server's hovers, code lenses and inlay hints: what each await
// line waited for and how long, what each coroutine cost per call, what each creation site made. Built from the
// streaming reader's hooks (stream.ts), so memory grows with the number of sites and the number of waits kept for
// the medians, not with the trace.

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
  totalNs: number;
  maxNs: number;
  awaited: Map<string, number>;
  wakers: Map<string, number>;
}

interface FunctionAcc {
  file: string;
  func: string;
  busy: number[];
  wait: number[];
  blocked: number;
  taskIds: number[];
}

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
  readonly hooks: StreamHooks;

  constructor(private readonly view: Pick<TraceView, 'task' | 'future'>) {
    this.hooks = {
      step: (task, step) => this.step(task, step),
      task: (task) => this.task(task),
      block: (b) => {
        if (b.task !== null) this.blocksByTask.set(b.task, (this.blocksByTask.get(b.task) ?? 0) + 1);
      },
      future: (f) => {
        if (f.kind !== 'gather' || f.site === null) return;
        const acc = this.creation(f.site);
        acc.gathers++;
        for (const id of f.children) {
          const state = this.view.task(id)?.state ?? this.view.future(id)?.state;
          if (state === undefined) continue;
          const s: TaskState = state === 'result' ? 'ok' : state === 'exception' ? 'error' : state;
          acc.children[s] = (acc.children[s] ?? 0) + 1;
        }
      },
    };
  }

  private step(task: TaskInfo, step: StepInfo): void {
    const site = step.site;
    if (site === null) return;
    if (!this.taskFile.has(task.id) && site.func === funcName(task.coro)) this.taskFile.set(task.id, site.file);
    if (step.awaitKind === null) return;
    let acc = this.awaits.get(site.id);
    if (acc === undefined) {
      acc = { site, waits: [], totalNs: 0, maxNs: 0, awaited: new Map(), wakers: new Map() };
      this.awaits.set(site.id, acc);
    }
    const wait = step.idleNs + step.scheduledNs;
    acc.waits.push(wait);
    acc.totalNs += wait;
    if (wait > acc.maxNs) acc.maxNs = wait;
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
        acc = { file, func, busy: [], wait: [], blocked: 0, taskIds: [] };
        this.functions.set(key, acc);
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

  private creation(site: Site): CreationAcc {
    const key = `${site.file}\0${site.line}`;
    let acc = this.creations.get(key);
    if (acc === undefined) {
      acc = { file: site.file, line: site.line, tasks: 0, runs: new Map(), ended: {}, gathers: 0, children: {}, taskIds: [] };
      this.creations.set(key, acc);
    }
    return acc;
  }

  /** The figures, once the stream has finished (every task final). Await sites of one line are merged. */
  finish(): SiteStats {
    const byLine = new Map<string, AwaitAcc>();
    for (const acc of this.awaits.values()) {
      const key = `${acc.site.file}\0${acc.site.line}`;
      const into = byLine.get(key);
      if (into === undefined) {
        byLine.set(key, acc);
        continue;
      }
      for (const w of acc.waits) into.waits.push(w);
      into.totalNs += acc.totalNs;
      into.maxNs = Math.max(into.maxNs, acc.maxNs);
      for (const [k, n] of acc.awaited) bump(into.awaited, k, n);
      for (const [k, n] of acc.wakers) bump(into.wakers, k, n);
    }
    return {
      awaits: [...byLine.values()].map((a) => ({
        file: a.site.file,
        line: a.site.line,
        func: a.site.func,
        count: a.waits.length,
        totalNs: a.totalNs,
        medianNs: quantile(a.waits, 0.5),
        maxNs: a.maxNs,
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
        taskIds: f.taskIds,
      })),
      creations: [...this.creations.values()].map((c) => ({ ...c, runs: tally(c.runs) })),
    };
  }
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
