// Chrome Trace Event JSON (the object form), which Perfetto UI (ui.perfetto.dev) and chrome://tracing open. One
// process for the program; one thread track per task (creation order), an "event loop" track (callbacks, blocked
// periods) and one track per executor thread. Steps, waits and scheduling delays are complete ("X") slices, wake
// edges are flow events from the resolver's slice to the woken step, findings are instant events.
// Pure TypeScript: runs in the browser too.

import { findFindings, type Finding } from '../model/findings.js';
import { formatSite } from '../model/format.js';
import { taskTitle } from '../model/task-label.js';
import type { BlockInfo, CallbackInfo, StepInfo, TaskInfo, TraceIndex, TraceView, WorkInfo } from '../model/index.js';
import type { TraceHeader } from '../model/types.js';

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

// The events, one builder each, shared by toChromeTrace (a TraceIndex) and streamChromeTrace (a streaming read).

/** A complete slice, or null for an empty wait (zero-length steps still happened). */
export function sliceEvent(tid: number, name: string, cat: string, start: number, dur: number, args?: Record<string, unknown>): ChromeEvent | null {
  if (dur <= 0 && cat !== 'step') return null;
  return { name, cat, ph: 'X', pid: PID, tid, ts: us(start), dur: us(Math.max(0, dur)), ...(args && { args }) };
}

export function processEvent(header: TraceHeader): ChromeEvent {
  return { name: 'process_name', ph: 'M', pid: PID, tid: 0, ts: 0, args: { name: [header.runtime, ...header.argv].join(' ') } };
}

export function trackEvents(tid: number, name: string, sortIndex: number): ChromeEvent[] {
  return [
    { name: 'thread_name', ph: 'M', pid: PID, tid, ts: 0, args: { name } },
    { name: 'thread_sort_index', ph: 'M', pid: PID, tid, ts: 0, args: { sort_index: sortIndex } },
  ];
}

export function callbackSlice(c: CallbackInfo, cwd: string | null): ChromeEvent | null {
  return sliceEvent(LOOP_TID, c.name, 'callback', c.start, c.dur, { site: formatSite(c.site, cwd) });
}

export function blockSlice(view: TraceView, b: BlockInfo, cwd: string | null): ChromeEvent | null {
  const by = b.task !== null ? taskTitle(view.task(b.task) ?? { name: `task ${b.task}`, coro: '' }) : b.callback ?? 'a callback';
  return sliceEvent(LOOP_TID, 'blocked loop', 'blocked', b.start, b.dur, { by, stack: b.sites.map((s) => formatSite(s, cwd)) });
}

export function workSlice(tid: number, w: WorkInfo, cwd: string | null): ChromeEvent | null {
  return sliceEvent(tid, w.fn || 'work', 'executor', w.start, w.dur, { future: w.future, site: formatSite(w.site, cwd) });
}

/** The slice from a task's start to its first step (its whole life when it never ran). */
export function startSlice(tid: number, task: TaskInfo, first: number | null): ChromeEvent | null {
  return sliceEvent(tid, 'scheduled', 'scheduled', task.start, (first !== null ? first : task.start + task.scheduledNs) - task.start);
}

/** A step and the wait after it, split into idle (named by what it awaited) and scheduled. */
export function stepSlices(tid: number, s: StepInfo, cwd: string | null, out: (e: ChromeEvent) => void): void {
  const site = formatSite(s.site, cwd);
  const gapStart = s.start + s.dur;
  const run = sliceEvent(tid, 'run', 'step', s.start, s.dur, { site, awaited: s.awaitKind, awaitedId: s.awaited });
  const wait = sliceEvent(tid, s.awaitKind ?? 'wait', 'wait', gapStart, s.idleNs, { site, awaitedId: s.awaited });
  const scheduled = sliceEvent(tid, 'scheduled', 'scheduled', gapStart + s.idleNs, s.scheduledNs, { wokenBy: s.wake?.by ?? null, via: s.wake?.via ?? null });
  if (run) out(run);
  if (wait) out(wait);
  if (scheduled) out(scheduled);
}

/** A wake arrow (flow `id`) from (fromTid, fromTs) to the woken step starting at `ts` on `tid`. */
export function wakeEvents(id: number, fromTid: number, fromTs: number, tid: number, ts: number): [ChromeEvent, ChromeEvent] {
  return [
    { name: 'wake', cat: 'wake', ph: 's', id, pid: PID, tid: fromTid, ts: us(fromTs) },
    { name: 'wake', cat: 'wake', ph: 'f', bp: 'e', id, pid: PID, tid, ts: us(ts) },
  ];
}

export function findingEvent(f: Finding, tid: number | undefined): ChromeEvent {
  const location = f.file === null ? null : `${f.file}:${f.line ?? '?'}`;
  return {
    name: f.kind,
    cat: 'finding',
    ph: 'i',
    pid: PID,
    tid: tid ?? LOOP_TID,
    ts: us(f.time),
    s: tid === undefined ? 'g' : 't',
    args: { message: f.message, location, durationNs: f.durationNs },
  };
}

export function toChromeTrace(index: TraceIndex, findings: Finding[] = findFindings(index)): ChromeTrace {
  const cwd = index.meta.header.cwd;
  const meta: ChromeEvent[] = [];
  const tracks = new Map<number, ChromeEvent[]>();
  const add = (e: ChromeEvent | null): void => {
    if (e === null) return;
    let list = tracks.get(e.tid);
    if (!list) tracks.set(e.tid, (list = []));
    list.push(e);
  };
  const track = (tid: number, name: string, sortIndex: number): void => {
    for (const e of trackEvents(tid, name, sortIndex)) meta.push(e);
  };

  meta.push(processEvent(index.meta.header));
  track(LOOP_TID, 'event loop', 0);

  const taskTid = new Map<number, number>();
  index.tasks.forEach((task, i) => {
    const tid = LOOP_TID + 1 + i;
    taskTid.set(task.id, tid);
    track(tid, `${taskTitle(task)}`, i + 1);
    add(startSlice(tid, task, task.steps[0]?.start ?? null));
    for (const s of task.steps) stepSlices(tid, s, cwd, add);
  });

  const threadTid = new Map<number, number>();
  // Executor threads that ran work (the loop's own thread is announced too, but its work is the loop track).
  index.threads.filter((th) => th.work.length > 0).forEach((th, i) => {
    const tid = LOOP_TID + 1 + index.tasks.length + i;
    threadTid.set(th.id, tid);
    track(tid, th.name, index.tasks.length + 1 + i);
    for (const w of th.work) add(workSlice(tid, w, cwd));
  });

  for (const c of index.callbacks) add(callbackSlice(c, cwd));
  for (const b of index.blocks) add(blockSlice(index, b, cwd));

  const events: ChromeEvent[] = [...meta];
  for (const list of tracks.values()) {
    // Parents before children at equal start, so slices nest.
    list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    for (const e of list) events.push(e); // (not a spread: a track can hold more events than a call takes arguments)
  }
  for (const e of wakeFlows(index, taskTid, threadTid)) events.push(e);
  for (const f of findings) events.push(findingEvent(f, f.taskId !== null ? taskTid.get(f.taskId) : undefined));
  return { traceEvents: events, displayTimeUnit: 'ns' };
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
      for (const e of wakeEvents(++id, from.tid, from.ts, tid, next.start)) out.push(e);
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
