// Chrome Trace Event JSON (the object form), which Perfetto UI (ui.perfetto.dev) and chrome://tracing open. One
// process for the program; one thread track per task (creation order), an "event loop" track (callbacks, blocked
// periods) and one track per executor thread. Steps, waits and scheduling delays are complete ("X") slices, wake
// edges are flow events from the resolver's slice to the woken step, findings are instant events.
// Pure TypeScript: runs in the browser too.

import { findFindings, type Finding } from '../model/findings.js';
import { formatSite, taskLabel } from '../model/format.js';
import type { StepInfo, TaskInfo, TraceIndex, WorkInfo } from '../model/index.js';

export interface ChromeEvent {
  name: string;
  ph: 'X' | 'M' | 'i' | 's' | 'f';
  pid: number;
  tid: number;
  /** Microseconds (fractional: ns precision). */
  ts: number;
  dur?: number;
  cat?: string;
  id?: number;
  bp?: 'e';
  s?: 'g' | 'p' | 't';
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeEvent[];
  displayTimeUnit: 'ns';
}

const PID = 1;
const LOOP_TID = 1;
const us = (ns: number): number => ns / 1000;

export function toChromeTrace(index: TraceIndex, findings: Finding[] = findFindings(index)): ChromeTrace {
  const cwd = index.meta.header.cwd;
  const meta: ChromeEvent[] = [];
  const tracks = new Map<number, ChromeEvent[]>();
  const slice = (tid: number, name: string, cat: string, start: number, dur: number, args?: Record<string, unknown>): void => {
    if (dur <= 0 && cat !== 'step') return; // empty waits carry nothing; zero-length steps still happened
    let list = tracks.get(tid);
    if (!list) tracks.set(tid, (list = []));
    list.push({ name, cat, ph: 'X', pid: PID, tid, ts: us(start), dur: us(Math.max(0, dur)), ...(args && { args }) });
  };
  const track = (tid: number, name: string, sortIndex: number): void => {
    meta.push({ name: 'thread_name', ph: 'M', pid: PID, tid, ts: 0, args: { name } });
    meta.push({ name: 'thread_sort_index', ph: 'M', pid: PID, tid, ts: 0, args: { sort_index: sortIndex } });
  };

  const header = index.meta.header;
  meta.push({ name: 'process_name', ph: 'M', pid: PID, tid: 0, ts: 0, args: { name: [header.runtime, ...header.argv].join(' ') } });
  track(LOOP_TID, 'event loop', 0);

  const taskTid = new Map<number, number>();
  index.tasks.forEach((task, i) => {
    const tid = LOOP_TID + 1 + i;
    taskTid.set(task.id, tid);
    track(tid, `${taskLabel(task)}`, i + 1);
    taskSlices(task, tid, slice, cwd);
  });

  const threadTid = new Map<number, number>();
  // Executor threads that ran work (the loop's own thread is announced too, but its work is the loop track).
  index.threads.filter((th) => th.work.length > 0).forEach((th, i) => {
    const tid = LOOP_TID + 1 + index.tasks.length + i;
    threadTid.set(th.id, tid);
    track(tid, th.name, index.tasks.length + 1 + i);
    for (const w of th.work) {
      slice(tid, w.fn || 'work', 'executor', w.start, w.dur, { future: w.future, site: formatSite(w.site, cwd) });
    }
  });

  for (const c of index.callbacks) slice(LOOP_TID, c.name, 'callback', c.start, c.dur, { site: formatSite(c.site, cwd) });
  for (const b of index.blocks) {
    const by = b.task !== null ? taskLabel(index.task(b.task) ?? { name: `task ${b.task}`, coro: '' }) : b.callback ?? 'a callback';
    slice(LOOP_TID, 'blocked loop', 'blocked', b.start, b.dur, { by, stack: b.sites.map((s) => formatSite(s, cwd)) });
  }

  const events: ChromeEvent[] = [...meta];
  for (const list of tracks.values()) {
    // Parents before children at equal start, so slices nest.
    list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    for (const e of list) events.push(e); // (not a spread: a track can hold more events than a call takes arguments)
  }
  for (const e of wakeFlows(index, taskTid, threadTid)) events.push(e);
  for (const f of findings) {
    const tid = f.taskId !== null ? taskTid.get(f.taskId) : undefined;
    const location = f.file === null ? null : `${f.file}:${f.line ?? '?'}`;
    events.push({
      name: f.kind,
      cat: 'finding',
      ph: 'i',
      pid: PID,
      tid: tid ?? LOOP_TID,
      ts: us(f.time),
      s: tid === undefined ? 'g' : 't',
      args: { message: f.message, location, durationNs: f.durationNs },
    });
  }
  return { traceEvents: events, displayTimeUnit: 'ns' };
}

type SliceFn = (tid: number, name: string, cat: string, start: number, dur: number, args?: Record<string, unknown>) => void;

/** A task's steps, and its waits split into idle (named by what it awaited) and scheduled. */
function taskSlices(task: TaskInfo, tid: number, slice: SliceFn, cwd: string | null): void {
  const first = task.steps[0];
  slice(tid, 'scheduled', 'scheduled', task.start, (first ? first.start : task.start + task.scheduledNs) - task.start);
  for (const s of task.steps) {
    const site = formatSite(s.site, cwd);
    slice(tid, 'run', 'step', s.start, s.dur, { site, awaited: s.awaitKind, awaitedId: s.awaited });
    const gapStart = s.start + s.dur;
    slice(tid, s.awaitKind ?? 'wait', 'wait', gapStart, s.idleNs, { site, awaitedId: s.awaited });
    slice(tid, 'scheduled', 'scheduled', gapStart + s.idleNs, s.scheduledNs, { wokenBy: s.wake?.by ?? null, via: s.wake?.via ?? null });
  }
}

/** Flow arrows from whatever resolved an awaited thing (a task's step, an executor thread's work) to the step
 * that resumed because of it. */
function wakeFlows(index: TraceIndex, taskTid: Map<number, number>, threadTid: Map<number, number>): ChromeEvent[] {
  const workByFuture = new Map<number, WorkInfo>();
  for (const w of index.work) if (w.future !== null) workByFuture.set(w.future, w);
  const out: ChromeEvent[] = [];
  let id = 0;
  for (const task of index.tasks) {
    const tid = taskTid.get(task.id)!;
    task.steps.forEach((s, i) => {
      const next = task.steps[i + 1];
      if (!next || !s.wake) return;
      let from: { tid: number; ts: number } | null = null;
      const resolver = s.wake.by !== null ? index.task(s.wake.by) : gatherLastChild(index, s.awaited);
      if (resolver && resolver.id !== task.id) {
        const step = stepAt(resolver.steps, s.wake.t);
        if (step) from = { tid: taskTid.get(resolver.id)!, ts: Math.min(Math.max(s.wake.t, step.start), lastNs(step)) };
      } else if (s.awaited !== null && workByFuture.has(s.awaited)) {
        const w = workByFuture.get(s.awaited)!;
        from = { tid: threadTid.get(w.thread)!, ts: lastNs(w) };
      }
      if (!from) return;
      id++;
      out.push({ name: 'wake', cat: 'wake', ph: 's', id, pid: PID, tid: from.tid, ts: us(from.ts) });
      out.push({ name: 'wake', cat: 'wake', ph: 'f', bp: 'e', id, pid: PID, tid, ts: us(next.start) });
    });
  }
  return out;
}

/** A gather is resolved by a done-callback, not a task: its wake edge comes from the child that finished last. */
function gatherLastChild(index: TraceIndex, awaited: number | null): TaskInfo | undefined {
  const fut = awaited === null ? undefined : index.future(awaited);
  if (fut?.kind !== 'gather') return undefined;
  let last: TaskInfo | undefined;
  for (const id of fut.children) {
    const child = index.task(id);
    if (child?.end != null && (last === undefined || child.end >= last.end!)) last = child;
  }
  return last;
}

/** The last ns inside a slice: a flow bound at the very end could attach to the next slice instead. */
function lastNs(slice: { start: number; dur: number }): number {
  return slice.start + Math.max(0, slice.dur - 1);
}

/** The step running at time t (or the last one before it: a task's end comes right after its last step). */
function stepAt(steps: StepInfo[], t: number): StepInfo | undefined {
  let lo = 0;
  let hi = steps.length - 1;
  let found: StepInfo | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid].start <= t) {
      found = steps[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
