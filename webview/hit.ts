// What is at a point of the lanes canvas: the row, the time, and the segment, outcome marker or finding there.

import { KINDS } from './kinds.js';
import type { Lane, LaneModel } from './lanes.js';
import { MARKER_HIT_PX, ROW_H } from './layout.js';
import { segmentAt } from './segments.js';
import type { Viewport } from './viewport.js';

/** Half the size of a future's mark (a diamond) on the lane of a task that awaited it. */
export const MARK_R = 5;

export type Hit =
  | { what: 'segment'; lane: Lane; t: number; seg: number; overlay: boolean; kind: string }
  | { what: 'outcome'; lane: Lane; t: number }
  | { what: 'finding'; lane: Lane; t: number; finding: number }
  /** A future's mark on the lane of a task that awaited it: `future` is the future's lane key. */
  | { what: 'future'; lane: Lane; t: number; future: string }
  | { what: 'lane'; lane: Lane; t: number };

export function hitTest(model: LaneModel, rows: string[], scrollTop: number, vp: Viewport, x: number, y: number): Hit | null {
  const r = Math.floor((y + scrollTop) / ROW_H);
  if (r < 0 || r >= rows.length || x < 0 || x > vp.width) return null;
  const lane = model.byKey.get(rows[r])!;
  const t = vp.time(x);
  const rowY = y + scrollTop - r * ROW_H;
  const slop = vp.span / vp.width; // one pixel of time
  if (rowY < 10) {
    for (const fi of lane.findings) {
      if (Math.abs(vp.x(model.findings[fi].time) - x) <= 5) return { what: 'finding', lane, t, finding: fi };
    }
  }
  if (lane.marks && Math.abs(rowY - ROW_H / 2) <= MARK_R + 2) {
    for (const m of lane.marks) if (Math.abs(vp.x(m.t) - x) <= MARK_R + 1) return { what: 'future', lane, t, future: m.key };
  }
  const o = segmentAt(lane.overlay, t);
  if (o >= 0) return { what: 'segment', lane, t, seg: o, overlay: true, kind: KINDS[lane.overlay.kind[o]].name };
  let s = segmentAt(lane.segs, t);
  // A segment thinner than a pixel is still hit within half a pixel either side.
  if (s < 0) s = Math.max(segmentAt(lane.segs, t - slop / 2), segmentAt(lane.segs, t + slop / 2));
  if (s >= 0) return { what: 'segment', lane, t, seg: s, overlay: false, kind: KINDS[lane.segs.kind[s]].name };
  if (lane.outcome && x >= vp.x(lane.outcome.t) - 2 && x <= vp.x(lane.outcome.t) + MARKER_HIT_PX + 8) return { what: 'outcome', lane, t };
  return { what: 'lane', lane, t };
}

/** The lane's state at time `t`, for the time cursor: a kind name, or "—" outside its life. */
export function stateAt(lane: Lane, t: number): string {
  const o = segmentAt(lane.overlay, t);
  if (o >= 0) return KINDS[lane.overlay.kind[o]].name;
  const s = segmentAt(lane.segs, t);
  if (s >= 0) return KINDS[lane.segs.kind[s]].name;
  if (lane.outcome && t >= lane.outcome.t) return lane.outcome.state === 'pending' ? 'pending' : 'done';
  return lane.type === 'task' ? 'not started' : lane.type === 'future' ? 'not made yet' : 'idle';
}

/** The words for a state name of stateAt(): "waiting: timer", "blocked loop", "done". */
export function stateLabel(name: string): string {
  const kind = KINDS.find((k) => k.name === name);
  if (!kind) return name;
  return name.startsWith('wait-') ? `waiting: ${kind.short}` : kind.short;
}
