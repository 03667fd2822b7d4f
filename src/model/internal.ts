// asyncio's own tasks and callbacks (asyncio.run's shutdown tasks, timers firing sleeps, gather's bookkeeping):
// real work on the loop, but not the program's. The timeline folds them into one "asyncio internals" group and
// the text report lists them last, marked; both decide it here.

import type { TaskInfo, TraceView } from './index.js';
import type { Site } from './types.js';

/** Coroutines asyncio runs as tasks of its own: asyncio.run's shutdown steps. */
const INTERNAL_COROS = new Set(['BaseEventLoop.shutdown_asyncgens', 'BaseEventLoop.shutdown_default_executor']);

/** A file of the asyncio package of a Python installation: `…/lib/python3.11/asyncio/tasks.py`, `…\Lib\asyncio\…`. */
const ASYNCIO_FILE = /(?:^|[\\/])(?:lib[\\/]python3[\d.]*t?|Lib)[\\/]asyncio[\\/][^\\/]+\.py$/i;

export function isAsyncioFile(file: string): boolean {
  return ASYNCIO_FILE.test(file);
}

/** A task is asyncio's own when its coroutine is one asyncio runs itself, or when no task of the program created it
 * and its code (`codeSite`: where it ran or last suspended, which recorders place in the program's own code when
 * there is any) is in asyncio. A program's task running asyncio's code (create_task(queue.get())) has a parent. */
export function isInternalTask(task: { coro: string; parent: number | null }, codeSite: Site | null): boolean {
  return INTERNAL_COROS.has(task.coro) || (task.parent === null && codeSite !== null && isAsyncioFile(codeSite.file));
}

/** A plain callback defined in asyncio (a sleep's timer, gather's done callback, run_until_complete's stop). */
export function isInternalCallback(cb: { site: Site | null }): boolean {
  return cb.site !== null && isAsyncioFile(cb.site.file);
}

/** isInternalTask for a task of a trace view (the index or the streaming reader's): its code is where its last
 * step ran. */
export function isInternal(view: TraceView, task: TaskInfo): boolean {
  // Cheap tests first: the index builds a task's steps on first read, and most tasks have a parent.
  if (INTERNAL_COROS.has(task.coro)) return true;
  return task.parent === null && isInternalTask(task, view.lastStep(task)?.site ?? null);
}
