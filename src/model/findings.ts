// Findings: the problems a trace shows, each pinned to the source line a person should look at.

import { findingKind, type FindingKind } from './finding-kinds.js';
import { formatDuration } from './format.js';
import { taskTitle } from './task-label.js';
import type { StepInfo, TraceView } from './index.js';
import type { Site } from './types.js';

export type { FindingKind } from './finding-kinds.js';

export interface Finding {
  kind: FindingKind;
  file: string | null;
  line: number | null;
  message: string;
  durationNs: number | null;
  taskId: number | null;
  /** When it happened (ns since trace start): the block's start, the warning, the start of the endless wait. */
  time: number;
}

/** All findings of a trace, sorted by time. `live`: the trace is still being written (a recording, a paused debug
 * session), so a task without an end is running, not left pending. */
export function findFindings(index: TraceView, { live = false }: { live?: boolean } = {}): Finding[] {
  const out: Finding[] = [];
  const at = (site: Site | null) => ({ file: site?.file ?? null, line: site?.line ?? null });

  for (const b of index.blocks) {
    const task = b.task === null ? undefined : index.task(b.task);
    const culprit = task ? `task ${taskTitle(task)}` : b.callback ? `callback ${b.callback}` : 'a callback';
    const where = b.sites[0]?.func ? `, stuck in ${b.sites[0].func}` : '';
    const seen = b.samples !== null && b.samples > 1 ? ` (${b.seen} of ${b.samples} samples)` : '';
    out.push({
      kind: 'blocked-loop',
      ...at(b.sites[0] ?? null),
      message: `event loop blocked for ${formatDuration(b.dur)} by ${culprit}${where}${seen}`,
      durationNs: b.dur,
      taskId: b.task,
      time: b.start,
    });
  }

  for (const w of index.warnings) {
    if (w.kind === 'never-awaited') {
      out.push({ kind: 'never-awaited', ...at(w.site), message: w.text || 'coroutine was never awaited', durationNs: null, taskId: w.task, time: w.t });
    } else if (w.kind === 'unretrieved-exception') {
      const task = w.task === null ? undefined : index.task(w.task);
      const fut = w.task === null ? undefined : index.future(w.task);
      const text = task?.error || fut?.text || w.text || 'an exception';
      const owner = task ? `task ${taskTitle(task)}` : fut ? `${fut.kind} future` : 'a future';
      out.push({
        kind: 'unretrieved-exception',
        ...at(task?.site ?? fut?.site ?? w.site),
        message: `exception never retrieved from ${owner}: ${text}`,
        durationNs: null,
        taskId: w.task,
        time: w.t,
      });
    }
  }

  const exit = index.meta.exit;
  const stop = exit?.t ?? index.meta.endNs;
  // A time window (time-window.ts) that ends before the exit, or a trace still being written, cuts tasks off where
  // they still run: not a finding.
  const stillRunning = exit === null && (live || index.meta.header.window !== undefined);
  for (const task of index.tasks) {
    if (task.end === null) {
      if (stillRunning) continue;
      const last = index.lastStep(task);
      const since = last ? last.start + last.dur : task.start;
      const waiting = last ? `was still waiting on ${describeAwaited(index, last)}` : 'was created but never ran';
      const when = exit ? 'at exit' : 'when the trace was cut off (no exit record: the program was killed or is still running)';
      out.push({
        kind: 'pending-at-exit',
        ...at(last?.site ?? task.site),
        message: `${taskTitle(task)} ${waiting} since t=${formatDuration(since)} (${formatDuration(Math.max(0, stop - since))}) ${when}`,
        durationNs: Math.max(0, stop - since),
        taskId: task.id,
        time: since,
      });
    } else if (task.cancelledBy === 'shutdown') {
      const step = index.lastAwaitStep(task);
      const since = step ? step.start + step.dur : task.start;
      const cancelled = step?.wake?.t ?? task.end;
      out.push({
        kind: 'pending-at-exit',
        ...at(step?.site ?? task.site),
        message: `${taskTitle(task)} was still waiting on ${step ? describeAwaited(index, step) : 'its start'} since t=${formatDuration(since)} (${formatDuration(Math.max(0, cancelled - since))}) when the runtime cancelled it at exit`,
        durationNs: Math.max(0, cancelled - since),
        taskId: task.id,
        time: since,
      });
    }
  }

  return out.sort((a, b) => a.time - b.time || findingKind(a.kind).order - findingKind(b.kind).order || (a.taskId ?? -1) - (b.taskId ?? -1));
}

/** "sleep", "task Task-4 worker()", "semaphore", "a bare yield". */
function describeAwaited(index: TraceView, step: StepInfo): string {
  if (step.awaited === null) return 'a bare yield (ready, never resumed)';
  const task = index.task(step.awaited);
  if (task) return `task ${taskTitle(task)}`;
  const fut = index.future(step.awaited);
  return fut ? fut.kind : `awaitable ${step.awaited}`;
}
