// The futures the timeline draws, each with its story: where it was made, who awaited it and when they resumed,
// who resolved it and how, and the program's callbacks that ran when it resolved.
//
// Drawn: the futures a program makes or hands around (create_future() / Future(), run_in_executor's, gather's,
// wait's, shield's; a Node trace's promises and Promise.all/race). Not sleeps, locks, queues or I/O: those waits are
// already the colour of the waiting lane, and a program makes thousands of them.
//
// Which get a row of their own: a plain future awaited by one task gets one when another task resolved it (the
// hand-off between tasks the future exists for); any future that no task or several tasks awaited. The rest is
// "folded": a gather/executor/wait/shield future awaited by exactly one task (the common `await gather(...)`,
// `await run_in_executor(...)`): the awaiting lane's wait already shows it, so it gets a mark there and a row in a
// collapsed group, not a row among the program's futures. A plain future one task awaited that a timer, I/O or a
// callback resolved, or that is still pending, is a library's plumbing (a busy server makes one per request and
// read: 63,000 in a generated 30 MB trace, which made building the timeline 4x slower as rows): not drawn at all,
// like a sleep, its wait is the lane's colour.

import { IdRange } from './idtable.js';
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

export class FutureStory {
  /** Resolved at `resolvedAt` (a gather without a `set` resolves when its last child does); null: never. */
  readonly state: FutureState;
  readonly resolvedAt: number | null;
  readonly awaits: FutureAwait[] = [];
  /** A row among the program's futures (false: folded, see the top of this file). */
  own = false;
  /** The executor work whose outcome resolved it. */
  work: WorkInfo | null = null;
  /** A gather's or wait's child task that finished last before it resolved (what resolved it, through a callback). */
  lastChild: number | null = null;
  private found: CallbackInfo[] | null = null;

  constructor(private readonly index: TraceIndex, readonly future: FutureInfo) {
    const r = future.resolved !== null ? null : index.resolution(future.id);
    this.state = r?.state ?? future.state;
    this.resolvedAt = future.resolved ?? r?.t ?? null;
  }

  /** The program's plain callbacks that ran between its resolution and the first resume after it (found on first
   * read: most folded futures are never looked at). */
  get callbacks(): CallbackInfo[] {
    return (this.found ??= callbacksAfter(this.index, this));
  }
}

export function isDrawnFuture(f: FutureInfo): boolean {
  return DRAWN_KINDS.has(f.kind);
}

export function futureStories(index: TraceIndex): FutureStory[] {
  // Which futures are drawn is decided before any story is made: a busy server's plain futures awaited by one task
  // are mostly not drawn, and making their stories (and their resolutions) first cost more than the drawn ones.
  const candidates: FutureInfo[] = [];
  const range = new IdRange();
  for (const f of index.futures) {
    if (!isDrawnFuture(f)) continue;
    candidates.push(f);
    range.extend(f.id);
  }
  if (candidates.length === 0) return [];
  // Looked up once per step: an array over the id range, not a Map; per candidate, typed arrays, not objects.
  const slots = range.table<number>(candidates.length);
  candidates.forEach((f, i) => slots.set(f.id, i));
  const firstAwaiter = new Float64Array(candidates.length);
  const awaiters = new Uint8Array(candidates.length); // 0: none, 1: one task, 2: several
  for (const s of index.data.steps) {
    if (s.awaited === null) continue;
    const i = slots.get(s.awaited);
    if (i === undefined) continue;
    if (awaiters[i] === 0) [awaiters[i], firstAwaiter[i]] = [1, s.id];
    else if (firstAwaiter[i] !== s.id) awaiters[i] = 2;
  }
  const stories = range.table<FutureStory>(candidates.length);
  const list: FutureStory[] = [];
  candidates.forEach((f, i) => {
    const own = awaiters[i] !== 1 || (f.kind === 'future' && f.via === 'task' && f.resolvedBy !== firstAwaiter[i]);
    if (!own && f.kind === 'future') return;
    const st = new FutureStory(index, f);
    st.own = own;
    stories.set(f.id, st);
    list.push(st);
  });
  if (list.length === 0) return [];
  // One pass over the steps (in file order: each task's in time order): the awaits of drawn futures, and the next
  // step of the awaiting task as its resumption.
  const taskIds = new IdRange();
  for (const t of index.tasks) taskIds.extend(t.id);
  const open = taskIds.table<FutureAwait | null>(index.tasks.length);
  for (const s of index.data.steps) {
    const a = open.get(s.id);
    if (a) {
      a.resumed = s.t;
      open.set(s.id, null);
    }
    if (s.awaited === null) continue;
    const story = stories.get(s.awaited);
    if (story === undefined) continue;
    const w = { task: s.id, t: s.t + s.dur, resumed: null };
    story.awaits.push(w);
    open.set(s.id, w);
  }
  for (const w of index.work) {
    const st = w.future === null ? undefined : stories.get(w.future);
    if (st) st.work = w;
  }
  for (const st of list) st.lastChild = lastChildOf(index, st);
  return list;
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
  // A busy loop runs many callbacks in a pass: look at a bounded number.
  for (let i = lo; i < cbs.length && i < lo + 64 && cbs[i].start < bound; i++) if (!isInternalCallback(cbs[i])) out.push(cbs[i]);
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
