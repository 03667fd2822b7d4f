// Every task's state at one instant of a trace: what a debugger pause shows (the Tasks tree in Run and Debug, the
// editor's notes at await lines). From the index's steps and resolutions, by the same rules as the time split
// (split.ts): after a step a task waits until what it awaited is resolved, then is scheduled until its next step.
// A debugger stops a program in the middle of a step, and steps are written when they end: the recorder says which
// tasks are in a step at the pause (`running`), the trace cannot.

import type { TaskState, TraceIndex } from './index.js';
import { taskTitle } from './task-label.js';
import type { Site } from './types.js';

export type PauseState = 'running' | 'waiting' | 'scheduled' | 'finished';

export interface TaskAtInstant {
  id: number;
  state: PauseState;
  /** Since when it is in that state (running: its step's start; finished: its end). */
  since: number;
  /** Where it is suspended (waiting, or scheduled after an await); null when not known or not suspended. */
  site: Site | null;
  /** What it waits on, or waited on before it was woken: "sleep", "task fetch (Task-3)", "gather"; null: none. */
  awaited: string | null;
  /** The tasks it awaits, directly or through a gather: the await chain. */
  awaitsTasks: number[];
  /** How it ended (finished only). */
  outcome: TaskState | null;
}

/** A task in a step at the instant, as the recorder knows it: its id and its step's start (null: not known). */
export interface RunningTask {
  id: number;
  since: number | null;
}

/** The state at `t` of every task created by then, in creation order. `running` (innermost first) are the tasks the
 * recorder says are in a step at `t`. */
export function tasksAt(index: TraceIndex, t: number, running: readonly RunningTask[] = []): TaskAtInstant[] {
  const inStep = new Map(running.map((r) => [r.id, r.since]));
  const out: TaskAtInstant[] = [];
  for (const task of index.tasks) {
    if (task.start > t && !inStep.has(task.id)) continue;
    const base = { id: task.id, site: null, awaited: null, awaitsTasks: [], outcome: null };
    const since = inStep.get(task.id);
    if (since !== undefined) {
      out.push({ ...base, state: 'running', since: since ?? lastStepEnd(task.steps, t) ?? task.start });
      continue;
    }
    if (task.end !== null && task.end <= t) {
      out.push({ ...base, state: 'finished', since: task.end, outcome: task.state });
      continue;
    }
    const steps = task.steps;
    let i = steps.length - 1;
    while (i >= 0 && steps[i].start > t) i--;
    if (i < 0) {
      out.push({ ...base, state: 'scheduled', since: task.created });
      continue;
    }
    const s = steps[i];
    const gapStart = s.start + s.dur;
    if (t < gapStart) {
      out.push({ ...base, state: 'running', since: s.start });
      continue;
    }
    if (s.awaited === null) {
      out.push({ ...base, state: 'scheduled', since: gapStart, site: s.site });
      continue;
    }
    const awaited = { site: s.site, awaited: awaitedText(index, s.awaited), awaitsTasks: awaitedTasks(index, s.awaited) };
    if (s.wake !== null && s.wake.t <= t) out.push({ ...base, ...awaited, state: 'scheduled', since: Math.max(gapStart, s.wake.t) });
    else out.push({ ...base, ...awaited, state: 'waiting', since: gapStart });
  }
  return out;
}

function lastStepEnd(steps: { start: number; dur: number }[], t: number): number | null {
  for (let i = steps.length - 1; i >= 0; i--) if (steps[i].start + steps[i].dur <= t) return steps[i].start + steps[i].dur;
  return null;
}

/** "task fetch (Task-3)", "gather of 3", or the future's kind ("sleep", "queue"). The Node recorder writes a future
 * when it resolves (its kind is known then): before, it is "a promise". */
export function awaitedText(index: TraceIndex, id: number): string {
  const task = index.task(id);
  if (task) return `task ${taskTitle(task)}`;
  const fut = index.future(id);
  if (!fut) return index.meta.header.runtime === 'node' ? 'a promise' : 'a future';
  return fut.children.length > 0 ? `${fut.kind} of ${fut.children.length}` : fut.kind;
}

function awaitedTasks(index: TraceIndex, id: number): number[] {
  if (index.task(id)) return [id];
  return (index.future(id)?.children ?? []).filter((c) => index.task(c) !== undefined);
}

/** The tasks as a tree for a pause: each task under its parent (a task whose parent is not listed is a root), the
 * task at the breakpoint and the tasks on its way from the root first, then running, waiting, scheduled, finished,
 * each in creation order. Returns the children of each id, and of null for the roots. */
export function pauseTree(tasks: readonly TaskAtInstant[], index: TraceIndex, atBreakpoint: number | null): Map<number | null, number[]> {
  const listed = new Map(tasks.map((s) => [s.id, s]));
  const focus = new Set<number>();
  for (let id: number | null | undefined = atBreakpoint; id !== undefined && id !== null && listed.has(id) && !focus.has(id); id = index.task(id)?.parent) {
    focus.add(id);
  }
  const rank = (s: TaskAtInstant) => (focus.has(s.id) ? 0 : 1 + STATE_ORDER.indexOf(s.state));
  const children = new Map<number | null, number[]>();
  const sorted = [...tasks].sort((a, b) => rank(a) - rank(b));
  for (const s of sorted) {
    const parent = index.task(s.id)?.parent ?? null;
    const key = parent !== null && listed.has(parent) ? parent : null;
    let list = children.get(key);
    if (!list) children.set(key, (list = []));
    list.push(s.id);
  }
  return children;
}

const STATE_ORDER: PauseState[] = ['running', 'waiting', 'scheduled', 'finished'];

/** The pause instant on the trace's clock. The flush answers its own time, which can come seconds after the program
 * stopped (the debugger's round trips, on a loaded machine); the debugger's `stopped` event arrived closer to it: that
 * wall-clock time (`stoppedAtMs`) after the trace's start (the header's `start`), kept between the last record
 * (`lastNs`: the program ran up to it) and the flush's time. */
export function pauseInstant(flushNs: number, stoppedAtMs: number, start: string | null, lastNs: number): number {
  const startMs = start === null ? NaN : Date.parse(start);
  if (!Number.isFinite(startMs)) return flushNs;
  return Math.min(flushNs, Math.max(lastNs, Math.round((stoppedAtMs - startMs) * 1e6)));
}

/** Evaluated in the paused frame through the debugger's evaluate request: the recorder's pause flush (Node:
 * preload.ts; Python: _life.pause), if it is loaded in that process. The Python one binds no name in the frame's scope
 * and imports nothing (sys is always loaded). */
export const PAUSE_FLUSH_EXPRESSION = {
  node: "typeof __async_lanes === 'object' && typeof __async_lanes.p === 'function' ? __async_lanes.p() : 'not recorded'",
  python: "__import__('sys').modules['async_lanes._life'].pause() if 'async_lanes._life' in __import__('sys').modules else 'not recorded'",
};

/** What the recorder's pause flush answered, read out of the debugger's evaluate result
 * however the debugger quoted it: the instant on the trace's clock, the tasks in a step there (innermost first) and
 * the trace file. Null when the answer holds none (the recorder is not loaded in that process). */
export function parsePauseAnswer(result: string): { t: number; running: RunningTask[]; file: string } | null {
  const m = /async-lanes-pause:t=(-?\d+);run=([\d@,-]*);file=([^\s'"`]+)/.exec(result);
  if (!m) return null;
  const running = m[2] === '' ? [] : m[2].split(',').map((p) => {
    const [id, since] = p.split('@');
    return { id: Number(id), since: since === undefined ? null : Number(since) };
  });
  let file: string;
  try {
    file = decodeURIComponent(m[3]);
  } catch {
    return null;
  }
  return { t: Number(m[1]), running, file };
}
