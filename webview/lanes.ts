// The lane model: what each row of the timeline shows, built from a TraceIndex in linear time (plus sorts).
// Rows: one "event loop" lane per loop (task steps, plain callbacks, blocked periods), the program's task tree in
// creation order (children nested under the task that created them), the "Futures" group (one row per future, from
// creation to resolution, coloured by outcome: see model/future-story.ts for which), one lane per executor thread,
// and last the "asyncio internals" group (asyncio's own tasks, and its callbacks drawn on the group's row),
// collapsed by default.

import type { Finding } from '../src/model/findings.js';
import type { TaskInfo, TaskState, TraceIndex } from '../src/model/index.js';
import type { Site } from '../src/model/types.js';
import { windowOf } from '../src/model/notices.js';
import { futureLabel, futureStories, futureValue, resolverText, type FutureStory } from '../src/model/future-story.js';
import { isAsyncioFile, isInternalCallback, isInternal } from '../src/model/internal.js';
import { taskLabelOf } from '../src/model/task-label.js';
import { futureKind, Kind, waitKind } from './kinds.js';
import { SegmentBuilder, type Segments } from './segments.js';

export type LaneType = 'loop' | 'task' | 'thread' | 'future' | 'group';

export interface Outcome {
  state: TaskState;
  /** Result repr, exception text or cancel message; for a pending task, where it was left (pendingText). */
  text: string;
  /** Where the marker goes: the end, or for a pending task the trace's end. */
  t: number;
}

export interface Lane {
  /** Stable across live reloads: "loop:0", "task:12", "thread:3". */
  key: string;
  type: LaneType;
  /** What the row is called: for a task, what runs there (task-label.ts). */
  label: string;
  /** Shown dimmer after the label: a task's automatic name ("Task-7"), its id; null when there is none. */
  sub: string | null;
  /** The lane's own id: loop id, task id or thread id. */
  id: number;
  parentKey: string | null;
  childKeys: string[];
  depth: number;
  /** Built on first use for task lanes. */
  readonly segs: Segments;
  /** Drawn over `segs`: blocked periods (ref = block index). */
  overlay: Segments;
  outcome: Outcome | null;
  /** Indices into LaneModel.findings. */
  findings: number[];
  /** A future's lane: its story. */
  story?: FutureStory;
  /** A task's lane: where a drawn future it awaited was resolved (or, never resolved, where it began to wait). */
  marks?: FutureMark[];
  /** More text the filter matches (a future's value, resolver and awaiters). */
  search?: string;
}

export interface FutureMark {
  t: number;
  /** The future's lane. */
  key: string;
  state: TaskState;
}

export interface LaneModel {
  index: TraceIndex;
  findings: Finding[];
  lanes: Lane[];
  byKey: Map<string, Lane>;
  /** Lane keys in display order (depth-first), before collapsing and filtering. */
  order: string[];
  endNs: number;
  /** Group lanes shown collapsed until the user opens them. */
  collapsedByDefault: string[];
  /** How many lanes there are, the folded futures' included before they are built. */
  total: number;
  /** Builds the folded futures' lanes (the "awaited by one task" group's children): left out of `lanes`, `byKey`
   * and `order` until the group is opened, one of them is asked for (laneOf) or a filter is on, as a large trace
   * has thousands that are never looked at. Idempotent. */
  unfold(): void;
}

/** A lane by key, building the folded futures' lanes when it is one of them. */
export function laneOf(model: LaneModel, key: string): Lane | undefined {
  const lane = model.byKey.get(key);
  if (lane !== undefined || !key.startsWith('future:')) return lane;
  model.unfold();
  return model.byKey.get(key);
}

export const taskKey = (id: number): string => `task:${id}`;
export const futureKey = (id: number): string => `future:${id}`;
export const INTERNALS_KEY = 'group:internals';
export const FUTURES_KEY = 'group:futures';
export const FOLDED_KEY = 'group:futures-folded';

export function buildLanes(index: TraceIndex, findings: Finding[]): LaneModel {
  const lanes: Lane[] = [];
  const byKey = new Map<string, Lane>();
  const add = (lane: Lane) => {
    lanes.push(lane);
    byKey.set(lane.key, lane);
  };
  const endNs = index.meta.endNs;
  const loopIds = index.loops.length > 0 ? index.loops.map((l) => l.id) : index.tasks.length > 0 || index.callbacks.length > 0 ? [0] : [];
  for (const id of loopIds) add(loopLane(index, id, loopIds.length > 1 ? `event loop ${id}` : 'event loop', id === loopIds[0]));
  const blocksByTask = new Map<number, number[]>();
  index.blocks.forEach((b, i) => {
    if (b.task === null) return;
    const list = blocksByTask.get(b.task) ?? [];
    list.push(i);
    blocksByTask.set(b.task, list);
  });
  const pending = pendingText(index);
  const internal = new Set<Lane>();
  for (const task of index.tasks) {
    const lane = taskLane(index, task, blocksByTask.get(task.id) ?? [], endNs, pending);
    if (isInternal(index, task)) internal.add(lane);
    else add(lane);
  }
  const futures = addFutures(index, add, byKey, endNs, pending);
  const workIndex = new Map(index.work.map((w, i) => [w, i]));
  for (const th of index.threads) {
    if (th.work.length === 0) continue;
    const b = new SegmentBuilder(th.work.length);
    for (const w of th.work) b.push(w.start, w.start + w.dur, Kind.Work, workIndex.get(w)!);
    add({ key: `thread:${th.id}`, type: 'thread', label: th.name, sub: null, id: th.id, parentKey: null, childKeys: [], depth: 0, segs: b.finish(), overlay: new SegmentBuilder().finish(), outcome: null, findings: [] });
  }
  const collapsedByDefault = [FOLDED_KEY];
  if (internal.size > 0 || futures.internal.length > 0) {
    add(internalsGroup(index, [...internal]));
    for (const lane of internal) add(lane);
    for (const lane of futures.internal) {
      add(lane);
      byKey.get(INTERNALS_KEY)!.childKeys.push(lane.key);
    }
    collapsedByDefault.push(INTERNALS_KEY);
  }
  // Nest tasks under their parents (a parent that is not in the trace makes a root); asyncio's own go into their group.
  for (const task of index.tasks) {
    const lane = byKey.get(taskKey(task.id))!;
    const parent = internal.has(lane) ? byKey.get(INTERNALS_KEY) : task.parent === null ? undefined : byKey.get(taskKey(task.parent));
    if (parent && parent !== lane) {
      lane.parentKey = parent.key;
      parent.childKeys.push(lane.key);
    }
  }
  findings.forEach((f, i) => {
    const lane = (f.taskId !== null && byKey.get(taskKey(f.taskId))) || (loopIds.length > 0 ? byKey.get(`loop:${loopIds[0]}`) : undefined);
    lane?.findings.push(i);
  });
  let folded = futures.folded;
  const model: LaneModel = {
    index, findings, lanes, byKey, order: depthFirst(lanes, byKey), endNs, collapsedByDefault, total: lanes.length + folded.length,
    unfold() {
      if (folded.length === 0) return;
      const group = byKey.get(FOLDED_KEY)!;
      const made = folded.map((st) => new FutureLane(index, st, FOLDED_KEY, index.meta.header.runtime, endNs, pending));
      folded = [];
      for (const lane of made) {
        lane.depth = group.depth + 1;
        lanes.push(lane);
        byKey.set(lane.key, lane);
      }
      // The group has no other children: its lanes go right after it.
      const at = model.order.indexOf(FOLDED_KEY) + 1;
      model.order = model.order.slice(0, at).concat(group.childKeys, model.order.slice(at));
    },
  };
  return model;
}

const group = (key: string, label: string, sub: string, parentKey: string | null, segs: () => Segments): Lane => {
  let built: Segments | null = null;
  return {
    key, type: 'group', label, sub, id: -1, parentKey, childKeys: [], depth: 0,
    get segs() {
      return (built ??= segs());
    },
    overlay: EMPTY, outcome: null, findings: [],
  };
};

const EMPTY = new SegmentBuilder(1).finish();
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The "asyncio internals" group: its row shows asyncio's callbacks and its tasks' steps (refs as on the loop lane:
 * a task id for a step, a callback index for a callback). */
function internalsGroup(index: TraceIndex, tasks: Lane[]): Lane {
  const internalSite = new Map<unknown, boolean>();
  const callbacks: number[] = [];
  index.callbacks.forEach((c, i) => {
    let yes = internalSite.get(c.site);
    if (yes === undefined) internalSite.set(c.site, (yes = isInternalCallback(c)));
    if (yes) callbacks.push(i);
  });
  const sub = tasks.length > 0 ? plural(tasks.length, 'task') : plural(callbacks.length, 'callback');
  return group(INTERNALS_KEY, 'asyncio internals', sub, null, () => {
    const b = new SegmentBuilder(callbacks.length + tasks.length);
    for (const lane of tasks) for (const s of index.task(lane.id)!.steps) b.push(s.start, s.start + s.dur, Kind.Running, lane.id);
    for (const i of callbacks) b.push(index.callbacks[i].start, index.callbacks[i].start + index.callbacks[i].dur, Kind.Callback, i);
    return b.finish();
  });
}

/** The Futures group: a row per future of the program's own (model/future-story.ts says which), the folded ones in
 * a collapsed group of their own, and a mark on each awaiting task's lane. */
function addFutures(index: TraceIndex, add: (l: Lane) => void, byKey: Map<string, Lane>, endNs: number, pending: string): { internal: Lane[]; folded: FutureStory[] } {
  const stories = futureStories(index);
  if (stories.length === 0) return { internal: [], folded: [] };
  const runtime = index.meta.header.runtime;
  // Futures made in asyncio's own code (its shutdown's) go with asyncio's tasks.
  const asyncioSite = new Map<Site, boolean>();
  const inAsyncio = (site: Site | null) => {
    if (site === null) return false;
    let yes = asyncioSite.get(site);
    if (yes === undefined) asyncioSite.set(site, (yes = isAsyncioFile(site.file)));
    return yes;
  };
  const internal: Lane[] = [];
  const own: FutureStory[] = [];
  const folded: FutureStory[] = [];
  for (const st of stories) {
    if (inAsyncio(st.future.site)) internal.push(new FutureLane(index, st, INTERNALS_KEY, runtime, endNs, pending));
    else (st.own ? own : folded).push(st);
  }
  const top = group(FUTURES_KEY, 'Futures', own.length > 0 ? plural(own.length, 'future') : '', null, () => EMPTY);
  add(top);
  for (const st of own) add(new FutureLane(index, st, FUTURES_KEY, runtime, endNs, pending));
  // Children in order: the program's futures, then the folded group, whose lanes are built when unfolded.
  top.childKeys.push(...own.map((st) => futureKey(st.future.id)));
  if (folded.length > 0) {
    const g = group(FOLDED_KEY, 'awaited by one task', `${folded.length}`, FUTURES_KEY, () => EMPTY);
    add(g);
    top.childKeys.push(FOLDED_KEY);
    g.childKeys = folded.map((st) => futureKey(st.future.id));
  }
  for (const st of own.concat(folded)) {
    const key = futureKey(st.future.id);
    const state = outcomeState(st);
    const done = st.resolvedAt;
    for (const a of st.awaits) {
      const task = byKey.get(taskKey(a.task));
      if (!task) continue;
      (task.marks ??= []).push({ t: done !== null && done >= a.t ? done : a.t, key, state });
    }
  }
  return { internal, folded };
}

const outcomeState = (st: FutureStory): TaskState => (st.state === 'result' ? 'ok' : st.state === 'exception' ? 'error' : st.state);

/** A future's lane. What costs more than a few fields (its bar, its text, the callbacks behind it) is made when
 * first read; a class, as thousands are made. */
class FutureLane implements Lane {
  readonly type = 'future';
  readonly key: string;
  readonly label: string;
  readonly sub = null;
  readonly id: number;
  readonly childKeys: string[] = [];
  depth = 0;
  readonly overlay = EMPTY;
  readonly outcome: Outcome;
  readonly findings: number[] = [];
  private built: Segments | null = null;

  constructor(private readonly index: TraceIndex, readonly story: FutureStory, public parentKey: string | null, runtime: string, private readonly endNs: number, pending: string) {
    const f = story.future;
    this.key = futureKey(f.id);
    this.id = f.id;
    this.label = futureLabel(f, runtime);
    this.outcome = new FutureOutcome(index, story, runtime, pending, endNs);
  }

  get segs(): Segments {
    if (this.built === null) {
      const st = this.story;
      const start = st.future.created ?? st.awaits[0]?.t ?? st.resolvedAt ?? 0;
      const b = new SegmentBuilder(1);
      b.push(start, Math.max(st.resolvedAt ?? this.endNs, start), futureKind(this.outcome.state), st.future.id);
      this.built = b.finish();
    }
    return this.built;
  }

  get search(): string {
    const st = this.story;
    const awaiters = st.awaits.map((a) => this.index.task(a.task)).filter((t) => t !== undefined).map((t) => taskLabelOf(t).text);
    return `${st.future.kind}\n${this.outcome.text}\n${awaiters.join('\n')}\n${st.future.site?.func ?? ''}`;
  }
}

/** A future's outcome: its value, its resolver and the callbacks that ran then ("42 by resolver · then on_done()"). */
class FutureOutcome implements Outcome {
  readonly state: TaskState;
  readonly t: number;
  private said: string | null = null;

  constructor(private readonly index: TraceIndex, private readonly story: FutureStory, private readonly runtime: string, private readonly pending: string, endNs: number) {
    this.state = outcomeState(story);
    this.t = story.resolvedAt ?? endNs;
  }

  get text(): string {
    if (this.said !== null) return this.said;
    const st = this.story;
    const by = resolverText(this.index, st);
    const after = st.callbacks.length > 0 ? ` · then ${st.callbacks.map((c) => `${c.name}()`).join(', ')}` : '';
    return (this.said = this.state === 'pending' ? this.pending : `${futureValue(st, this.runtime)}${by ? ` by ${by}` : ''}${after}`);
  }
}

function loopLane(index: TraceIndex, loopId: number, label: string, first: boolean): Lane {
  const b = new SegmentBuilder(index.data.steps.length + (first ? index.callbacks.length : 0));
  // Steps in file order, which is nearly time order (records are written as steps end): cheap to sort.
  let lastId = -1;
  let onLoop = false;
  for (const s of index.data.steps) {
    if (s.id !== lastId) {
      const loop = index.task(s.id)?.loop ?? null;
      onLoop = loop === loopId || (first && loop === null);
      lastId = s.id;
    }
    if (onLoop) b.push(s.t, s.t + s.dur, Kind.Running, s.id);
  }
  // Callbacks and blocks carry no loop id: they are shown on the first loop.
  if (first) index.callbacks.forEach((c, i) => b.push(c.start, c.start + c.dur, Kind.Callback, i));
  const overlay = new SegmentBuilder();
  index.blocks.forEach((bl, i) => {
    const loop = bl.task === null ? null : index.task(bl.task)?.loop ?? null;
    if (loop === loopId || (first && loop === null)) overlay.push(bl.start, bl.start + bl.dur, Kind.Blocked, i);
  });
  return { key: `loop:${loopId}`, type: 'loop', label, sub: null, id: loopId, parentKey: null, childKeys: [], depth: 0, segs: b.finish(), overlay: overlay.finish(), outcome: null, findings: [] };
}

/** A task's lane. Its segments are built when first drawn or hit (most of thousands of lanes never are), which
 * keeps the first frame of a large trace fast. */
/** What a task without an end was doing when the trace ends: only an exit record makes it pending at exit; a window
 * of a longer trace ends while it still runs. */
export function pendingText(index: TraceIndex): string {
  if (index.meta.exit !== null) return 'pending at exit';
  const part = windowOf(index.meta.header);
  return part !== null && part.to < Number.MAX_SAFE_INTEGER ? 'still running at the window\'s end' : 'still running where the trace ends';
}

function taskLane(index: TraceIndex, task: TaskInfo, blocks: number[], endNs: number, pending: string): Lane {
  const overlay = new SegmentBuilder(blocks.length);
  for (const bi of blocks) {
    const bl = index.blocks[bi];
    overlay.push(bl.start, bl.start + bl.dur, Kind.Blocked, bi);
  }
  const outcome: Outcome = { state: task.state, text: task.state === 'pending' ? pending : task.result ?? '', t: task.end ?? endNs };
  const name = taskLabelOf(task);
  let segs: Segments | null = null;
  return {
    key: taskKey(task.id), type: 'task', label: name.text, sub: name.autoName, id: task.id, parentKey: null, childKeys: [], depth: 0,
    get segs() {
      return (segs ??= taskSegments(task, endNs));
    },
    overlay: overlay.finish(), outcome, findings: [],
  };
}

/** Segments of a task: scheduled until its first step; per step running, then idle (shaded by what it awaited),
 * then scheduled until the next step. Step refs are step indices (-1: before the first step). */
function taskSegments(task: TaskInfo, endNs: number): Segments {
  const b = new SegmentBuilder(1 + task.steps.length * 3);
  const stop = task.end ?? endNs;
  b.push(task.start, task.steps[0]?.start ?? stop, Kind.Scheduled, -1);
  task.steps.forEach((s, i) => {
    const stepEnd = s.start + s.dur;
    b.push(s.start, stepEnd, Kind.Running, i);
    const gapEnd = Math.max(stepEnd, task.steps[i + 1]?.start ?? stop);
    const idleEnd = Math.min(gapEnd, stepEnd + s.idleNs);
    b.push(stepEnd, idleEnd, waitKind(s.awaitKind), i);
    b.push(idleEnd, gapEnd, Kind.Scheduled, i);
  });
  return b.finish();
}

/** Roots in lane order, each followed by its subtree; sets depths. Iterative: chains may be thousands deep. */
function depthFirst(lanes: Lane[], byKey: Map<string, Lane>): string[] {
  const order: string[] = [];
  const stack: { lane: Lane; depth: number }[] = [];
  for (let r = lanes.length - 1; r >= 0; r--) if (lanes[r].parentKey === null) stack.push({ lane: lanes[r], depth: 0 });
  // Roots were pushed in reverse, so the stack pops them in order; the same for children.
  const seen = new Set<string>();
  while (stack.length > 0) {
    const { lane, depth } = stack.pop()!;
    if (seen.has(lane.key)) continue;
    seen.add(lane.key);
    lane.depth = depth;
    order.push(lane.key);
    // A child not built yet (a folded future) is left out: unfold() adds it.
    for (let c = lane.childKeys.length - 1; c >= 0; c--) {
      const child = byKey.get(lane.childKeys[c]);
      if (child !== undefined) stack.push({ lane: child, depth: depth + 1 });
    }
  }
  // Lanes on a parent cycle (a damaged trace) are reachable from no root: show them flat at the end.
  for (const lane of lanes) {
    if (!seen.has(lane.key)) {
      lane.depth = 0;
      lane.parentKey = null;
      order.push(lane.key);
    }
  }
  return order;
}
