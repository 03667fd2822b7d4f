// The edges shown for the selected task: created-by (parent → it, it → each child), woken-by (resolver → it, at
// each resume) and awaits (it → each task it awaited, directly or through a gather). For a selected future: made
// by (its owner → it), awaits (each awaiting task → it), and woken-by (its resolver → it, then it → each awaiter
// when it resumed).

import type { TraceIndex } from '../src/model/index.js';
import { taskKey, type Lane, type LaneModel } from './lanes.js';

export type EdgeKind = 'created' | 'woken' | 'awaits';

export interface Edge {
  kind: EdgeKind;
  fromKey: string;
  fromT: number;
  toKey: string;
  toT: number;
}

/** Keeps a pathological task (thousands of resumes) from drawing a wall of curves. */
const MAX_EDGES = 2000;

export function edgesOf(index: TraceIndex, taskId: number): Edge[] {
  const task = index.task(taskId);
  if (!task) return [];
  const me = taskKey(taskId);
  const out: Edge[] = [];
  if (task.parent !== null && index.task(task.parent)) {
    out.push({ kind: 'created', fromKey: taskKey(task.parent), fromT: task.created, toKey: me, toT: task.start });
  }
  for (const c of task.children) {
    const child = index.task(c);
    if (child) out.push({ kind: 'created', fromKey: me, fromT: child.created, toKey: taskKey(c), toT: child.start });
  }
  task.steps.forEach((s, i) => {
    const next = task.steps[i + 1];
    if (out.length >= MAX_EDGES) return;
    if (next && s.wake?.by != null && s.wake.by !== taskId && index.task(s.wake.by)) {
      out.push({ kind: 'woken', fromKey: taskKey(s.wake.by), fromT: s.wake.t, toKey: me, toT: next.start });
    }
    if (s.awaited === null) return;
    const at = s.start + s.dur;
    for (const target of awaitedTasks(index, s.awaited)) {
      if (target !== taskId) out.push({ kind: 'awaits', fromKey: me, fromT: at, toKey: taskKey(target), toT: at });
    }
  });
  return out.slice(0, MAX_EDGES);
}

/** The tasks behind an awaitable: itself if a task, the task children of a gather/wait future. */
function awaitedTasks(index: TraceIndex, id: number): number[] {
  if (index.task(id)) return [id];
  const f = index.future(id);
  return f ? f.children.filter((c) => index.task(c) !== undefined) : [];
}

/** The edges of the selected lane: a task's or a future's; none for other lanes. */
export function edgesFor(model: LaneModel, key: string | null): Edge[] {
  const lane = key === null ? undefined : model.byKey.get(key);
  if (lane?.type === 'task') return edgesOf(model.index, lane.id);
  return lane?.story ? futureEdges(model, lane) : [];
}

function futureEdges(model: LaneModel, lane: Lane): Edge[] {
  const st = lane.story!;
  const f = st.future;
  const out: Edge[] = [];
  const has = (k: string) => model.byKey.has(k);
  const start = lane.segs.start[0] ?? 0;
  if (f.owner !== null && has(taskKey(f.owner))) out.push({ kind: 'created', fromKey: taskKey(f.owner), fromT: start, toKey: lane.key, toT: start });
  const done = st.resolvedAt;
  if (done !== null) {
    const by = f.resolvedBy ?? st.lastChild;
    const from = by !== null ? taskKey(by) : st.work ? `thread:${st.work.thread}` : null;
    if (from !== null && has(from)) out.push({ kind: 'woken', fromKey: from, fromT: done, toKey: lane.key, toT: done });
  }
  for (const a of st.awaits.slice(0, MAX_EDGES)) {
    if (!has(taskKey(a.task))) continue;
    out.push({ kind: 'awaits', fromKey: taskKey(a.task), fromT: a.t, toKey: lane.key, toT: a.t });
    if (done !== null && a.resumed !== null) out.push({ kind: 'woken', fromKey: lane.key, fromT: done, toKey: taskKey(a.task), toT: a.resumed });
  }
  return out;
}
