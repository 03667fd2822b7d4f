// The futures the timeline draws, each with its story: where it was made, who awaited it and when they resumed,
// who resolved it and how, and the program's callbacks that ran when it resolved.
//
// Drawn: the futures a program makes or hands around (create_future() / Future(), run_in_executor's, gather's,
// wait's, shield's; a Node trace's promises and Promise.all/race). Not sleeps, locks, queues or I/O: those waits are
// already the colour of the waiting lane, and a program makes thousands of them.
//
// Which get a row of their own: a program's own future awaited by one task gets one when something else resolved it
// (a task, a callback, another thread: the hand-off the future exists for), or it is still pending; any future that
// no task or several tasks awaited. A gather/executor/wait/shield future awaited by exactly one task (the common
// `await gather(...)`, `await run_in_executor(...)`), or a future that only wraps a timer or I/O, is "folded": the
// awaiting lane's wait already shows it, so it gets a marker there and a row in a collapsed group, not a row among
// the program's futures — a server making one per request would otherwise drown them.

import { isInternalCallback } from './internal.js';
import type { CallbackInfo, FutureInfo, FutureState, TraceIndex, WorkInfo } from './index.js';
import { taskLabelOf } from './task-label.js';

const DRAWN_KINDS = new Set(['future', 'executor', 'gather', 'wait', 'shield']);

export interface FutureAwait {
  task: number;
  /** When the task suspended on it. */
  t: number;
  /** When the task ran again (null: never). */
  resumed: number | null;
}

export interface FutureStory {
  future: FutureInfo;
  /** Resolved at `t` (a gather without a `set` resolves when its last child does); null: never. */
  state: FutureState;
  resolvedAt: number | null;
  awaits: FutureAwait[];
  /** A row among the program's futures (false: folded, see the top of this file). */
  own: boolean;
  /** The executor work whose outcome resolved it. */
  work: WorkInfo | null;
  /** A gather's or wait's child task that finished last before it resolved (what resolved it, through a callback). */
  lastChild: number | null;
  /** The program's plain callbacks that ran between its resolution and the first resume after it. */
  callbacks: CallbackInfo[];
}

export function isDrawnFuture(f: FutureInfo): boolean {
  return DRAWN_KINDS.has(f.kind);
}

export function futureStories(index: TraceIndex): FutureStory[] {
  const stories = new Map<number, FutureStory>();
  for (const f of index.futures) {
    if (!isDrawnFuture(f)) continue;
    const r = f.resolved !== null ? null : index.resolution(f.id);
    stories.set(f.id, { future: f, state: r?.state ?? f.state, resolvedAt: f.resolved ?? r?.t ?? null, awaits: [], own: false, work: null, lastChild: null, callbacks: [] });
  }
  if (stories.size === 0) return [];
  // One pass over the steps (in file order: each task's in time order): the awaits of drawn futures, and the next
  // step of the awaiting task as its resumption.
  const open = new Map<number, FutureAwait>();
  for (const s of index.data.steps) {
    if (open.size > 0) {
      const a = open.get(s.id);
      if (a !== undefined) {
        a.resumed = s.t;
        open.delete(s.id);
      }
    }
    if (s.awaited === null) continue;
    const story = stories.get(s.awaited);
    if (story === undefined) continue;
    const a = { task: s.id, t: s.t + s.dur, resumed: null };
    story.awaits.push(a);
    open.set(s.id, a);
  }
  for (const w of index.work) if (w.future !== null) { const st = stories.get(w.future); if (st) st.work = w; }
  for (const st of stories.values()) {
    st.own = ownRow(st);
    st.lastChild = lastChildOf(index, st);
    st.callbacks = callbacksAfter(index, st);
  }
  return [...stories.values()];
}

function lastChildOf(index: TraceIndex, st: FutureStory): number | null {
  if (st.resolvedAt === null || st.future.resolvedBy !== null) return null;
  let best: number | null = null;
  let bestT = -Infinity;
  for (const c of st.future.children) {
    const t = index.task(c)?.end ?? null;
    if (t !== null && t <= st.resolvedAt && t > bestT) [best, bestT] = [c, t];
  }
  return best;
}

function ownRow(st: FutureStory): boolean {
  const awaiters = new Set(st.awaits.map((a) => a.task));
  if (awaiters.size !== 1) return true;
  if (st.future.kind !== 'future') return false;
  return st.state === 'pending' || (st.future.via !== 'timer' && st.future.via !== 'io');
}

/** The program's callbacks (not asyncio's) that started after the resolution and before the first awaiter resumed:
 * the trace does not link a callback to its future, but asyncio runs a future's done callbacks in the loop pass
 * right after it resolves, before the task awaiting it (whose wake-up is the last callback added). Without an
 * awaiter that resumed, the ones starting within the same millisecond. */
function callbacksAfter(index: TraceIndex, st: FutureStory): CallbackInfo[] {
  const r = st.resolvedAt;
  if (r === null) return [];
  let bound = Infinity;
  for (const a of st.awaits) if (a.resumed !== null && a.resumed >= r) bound = Math.min(bound, a.resumed);
  if (bound === Infinity) bound = r + 1e6;
  const cbs = index.callbacks;
  let lo = 0;
  let hi = cbs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cbs[mid].start < r) lo = mid + 1;
    else hi = mid;
  }
  const out: CallbackInfo[] = [];
  for (let i = lo; i < cbs.length && cbs[i].start < bound && out.length < 20; i++) if (!isInternalCallback(cbs[i])) out.push(cbs[i]);
  return out;
}

/** What kind of future it is, in the program's words. */
export function futureKindWord(f: FutureInfo, runtime: string): string {
  const node = runtime === 'node';
  switch (f.kind) {
    case 'executor': return 'run_in_executor';
    case 'gather': return node ? 'Promise.all' : 'gather';
    case 'wait': return node ? 'Promise.race' : 'asyncio.wait';
    case 'shield': return 'shield';
    default: return node ? 'Promise' : 'Future';
  }
}

/** The row's name: "Future (line 30)", or "Future #12" when where it was made is not known. */
export function futureLabel(f: FutureInfo, runtime: string): string {
  const word = futureKindWord(f, runtime);
  return f.site ? `${word} (line ${f.site.line})` : `${word} #${f.id}`;
}

/** Who resolved it, as a phrase after "by": "resolver", "a timer", "another thread (blocking_io)". */
export function resolverText(index: TraceIndex, st: FutureStory): string {
  const f = st.future;
  if (st.state === 'pending') return '';
  if (f.resolvedBy !== null) {
    const t = index.task(f.resolvedBy);
    return t ? taskLabelOf(t).text : `task #${f.resolvedBy}`;
  }
  switch (f.via) {
    case 'timer': return 'a timer';
    case 'io': return 'I/O';
    case 'thread': return st.work ? `another thread (${st.work.fn})` : 'another thread';
    case 'callback': return st.lastChild !== null ? lastChildText(index, st.lastChild) : 'a callback';
    case 'shutdown': return 'shutdown';
    case null: return st.lastChild !== null ? lastChildText(index, st.lastChild) : 'unknown';
    default: return f.via;
  }
}

const lastChildText = (index: TraceIndex, id: number): string => `its last child, ${taskLabelOf(index.task(id)!).text}`;

/** Its outcome as text: the result's repr, the exception, "cancelled"; Python's None result is written as ''. */
export function futureValue(st: FutureStory, runtime: string): string {
  const text = st.future.text ?? '';
  if (st.state === 'result') return text || (st.future.resolved === null ? 'done' : runtime === 'node' ? 'undefined' : 'None');
  if (st.state === 'cancelled') return text ? `cancelled: ${text}` : 'cancelled';
  return text;
}
