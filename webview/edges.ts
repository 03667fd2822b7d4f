// The edges shown for the selected task: created-by (parent → it, it → each child), woken-by (resolver → it, at
// each resume) and awaits (it → each task it awaited, directly or through a gather).

import type { TraceIndex } from '../src/model/index.js';
import { taskKey } from './lanes.js';

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
