// Segment kinds drawn on the lanes: their names, legend labels, colours (CSS variables) and the priority that
// decides which kind a pixel shows when several segments fall into it.

import type { AwaitKind, TaskState } from '../src/model/index.js';

export const enum Kind {
  Running,
  Scheduled,
  WaitSleep,
  WaitIo,
  WaitTask,
  WaitGather,
  WaitFuture,
  WaitLock,
  WaitQueue,
  WaitExecutor,
  WaitOther,
  Callback,
  Blocked,
  Work,
  FuturePending,
  FutureResult,
  FutureError,
  FutureCancelled,
}

export interface KindInfo {
  /** Stable name used by the test hook and the tooltip. */
  name: string;
  label: string;
  /** The legend's word (waiting kinds are listed after "waiting on"). */
  short: string;
  /** CSS custom property holding the colour. */
  cssVar: string;
  /** Higher wins when segments share a pixel. */
  priority: number;
}

export const KINDS: readonly KindInfo[] = [
  { name: 'running', short: 'running', label: 'running', cssVar: '--lanes-running', priority: 8 },
  { name: 'scheduled', short: 'scheduled', label: 'scheduled (woken, waiting for the loop)', cssVar: '--lanes-scheduled', priority: 6 },
  { name: 'wait-sleep', short: 'timer', label: 'waiting: timer / sleep', cssVar: '--lanes-wait-sleep', priority: 1 },
  { name: 'wait-io', short: 'I/O', label: 'waiting: I/O', cssVar: '--lanes-wait-io', priority: 1 },
  { name: 'wait-task', short: 'task', label: 'waiting: another task', cssVar: '--lanes-wait-task', priority: 1 },
  { name: 'wait-gather', short: 'gather', label: 'waiting: gather', cssVar: '--lanes-wait-gather', priority: 1 },
  { name: 'wait-future', short: 'future', label: 'waiting: future', cssVar: '--lanes-wait-future', priority: 1 },
  { name: 'wait-lock', short: 'lock/event', label: 'waiting: lock / semaphore / event', cssVar: '--lanes-wait-lock', priority: 1 },
  { name: 'wait-queue', short: 'queue', label: 'waiting: queue', cssVar: '--lanes-wait-queue', priority: 1 },
  { name: 'wait-executor', short: 'executor', label: 'waiting: executor', cssVar: '--lanes-wait-executor', priority: 1 },
  { name: 'wait-other', short: 'other', label: 'waiting: other', cssVar: '--lanes-wait-other', priority: 1 },
  { name: 'callback', short: 'callback', label: 'loop callback', cssVar: '--lanes-callback', priority: 7 },
  { name: 'blocked', short: 'blocked loop', label: 'blocked loop', cssVar: '--lanes-blocked', priority: 10 },
  { name: 'work', short: 'executor work', label: 'executor work', cssVar: '--lanes-work', priority: 8 },
  // A future's bar, from its creation to its resolution (pending all along), in the colour of how it ended.
  { name: 'future-pending', short: 'pending', label: 'future: pending', cssVar: '--lanes-pending', priority: 2 },
  { name: 'future-result', short: 'pending, then a result', label: 'future: resolved with a result', cssVar: '--lanes-ok', priority: 2 },
  { name: 'future-exception', short: 'pending, then an exception', label: 'future: failed with an exception', cssVar: '--lanes-error', priority: 2 },
  { name: 'future-cancelled', short: 'pending, then cancelled', label: 'future: cancelled', cssVar: '--lanes-cancelled', priority: 2 },
];

/** The bar kind of a future that ended (or not) in `state`. */
export function futureKind(state: TaskState): Kind {
  return state === 'ok' ? Kind.FutureResult : state === 'error' ? Kind.FutureError : state === 'cancelled' ? Kind.FutureCancelled : Kind.FuturePending;
}

/** The waiting kind for what a step suspended on; a bare yield is "scheduled" (ready again at once). */
export function waitKind(k: AwaitKind | null): Kind {
  switch (k) {
    case 'sleep': return Kind.WaitSleep;
    case 'io': return Kind.WaitIo;
    case 'task': return Kind.WaitTask;
    case 'gather': return Kind.WaitGather;
    case 'future': return Kind.WaitFuture;
    case 'lock': return Kind.WaitLock;
    case 'queue': return Kind.WaitQueue;
    case 'executor': return Kind.WaitExecutor;
    case 'yield': return Kind.Scheduled;
    default: return Kind.WaitOther;
  }
}

export function isWait(k: Kind): boolean {
  return k >= Kind.WaitSleep && k <= Kind.WaitOther;
}

export function isFuture(k: Kind): boolean {
  return k >= Kind.FuturePending && k <= Kind.FutureCancelled;
}
