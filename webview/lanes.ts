// The lane model: what each row of the timeline shows, built from a TraceIndex in linear time (plus sorts).
// Rows: one "event loop" lane per loop (task steps, plain callbacks, blocked periods), the task tree in creation
// order (children nested under the task that created them), then one lane per executor thread.

import type { Finding } from '../src/model/findings.js';
import type { TaskInfo, TaskState, TraceIndex } from '../src/model/index.js';
import { windowOf } from '../src/model/notices.js';
import { taskLabelOf } from '../src/model/task-label.js';
import { Kind, waitKind } from './kinds.js';
import { SegmentBuilder, type Segments } from './segments.js';

export type LaneType = 'loop' | 'task' | 'thread';

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
}

export interface LaneModel {
  index: TraceIndex;
  findings: Finding[];
  lanes: Lane[];
  byKey: Map<string, Lane>;
  /** Lane keys in display order (depth-first), before collapsing and filtering. */
  order: string[];
  endNs: number;
}

export const taskKey = (id: number): string => `task:${id}`;

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
  for (const task of index.tasks) add(taskLane(index, task, blocksByTask.get(task.id) ?? [], endNs, pending));
  const workIndex = new Map(index.work.map((w, i) => [w, i]));
  for (const th of index.threads) {
    if (th.work.length === 0) continue;
    const b = new SegmentBuilder(th.work.length);
    for (const w of th.work) b.push(w.start, w.start + w.dur, Kind.Work, workIndex.get(w)!);
    add({ key: `thread:${th.id}`, type: 'thread', label: th.name, sub: null, id: th.id, parentKey: null, childKeys: [], depth: 0, segs: b.finish(), overlay: new SegmentBuilder().finish(), outcome: null, findings: [] });
  }
  // Nest tasks under their parents (a parent that is not in the trace makes a root).
  for (const task of index.tasks) {
    const lane = byKey.get(taskKey(task.id))!;
    const parent = task.parent === null ? undefined : byKey.get(taskKey(task.parent));
    if (parent && parent !== lane) {
      lane.parentKey = parent.key;
      parent.childKeys.push(lane.key);
    }
  }
  findings.forEach((f, i) => {
    const lane = (f.taskId !== null && byKey.get(taskKey(f.taskId))) || (loopIds.length > 0 ? byKey.get(`loop:${loopIds[0]}`) : undefined);
    lane?.findings.push(i);
  });
  const order = depthFirst(lanes, byKey);
  return { index, findings, lanes, byKey, order, endNs };
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
    for (let c = lane.childKeys.length - 1; c >= 0; c--) stack.push({ lane: byKey.get(lane.childKeys[c])!, depth: depth + 1 });
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
