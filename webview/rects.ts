// Culling and merging of one lane's segments into rectangles for the current viewport: segments outside the view
// are skipped by binary search, segments thinner than a pixel are grouped per pixel column (the column takes the
// kind of highest priority among them), and rectangles are snapped to whole pixels and never overlap, so a lane
// draws at most one rectangle per pixel column.

import { KINDS } from './kinds.js';
import { firstReaching, firstStartingAt, type Segments } from './segments.js';
import type { Viewport } from './viewport.js';

/** How many segments of a dense pixel column are looked at to pick its kind. */
const SAMPLES = 24;

export type EmitRect = (x0: number, x1: number, kind: number, seg: number) => void;

/** Calls `emit` with integer [x0, x1) rectangles in increasing x; `seg` is the segment a rectangle shows, or -1
 * when it merges several. Returns the number of rectangles. */
export function laneRects(s: Segments, vp: Viewport, emit: EmitRect): number {
  const width = Math.ceil(vp.width);
  let rects = 0;
  let curX0 = 0;
  let curX1 = 0;
  let curKind = -1;
  let curSeg = -1;
  /** Right edge of everything emitted: later rectangles start there or after. */
  let floorX = -Infinity;
  const flush = () => {
    if (curKind >= 0 && curX1 > curX0) {
      emit(curX0, curX1, curKind, curSeg);
      rects++;
      floorX = curX1;
    }
    curKind = -1;
  };
  const add = (x0: number, x1: number, kind: number, seg: number) => {
    x0 = Math.max(x0, 0, curKind >= 0 ? curX1 : floorX);
    x1 = Math.min(x1, width);
    if (x1 <= x0) return;
    if (kind === curKind && x0 <= curX1) {
      curX1 = Math.max(curX1, x1);
      if (seg !== curSeg) curSeg = -1; // several segments: no single one stands for the rectangle
      return;
    }
    flush();
    curX0 = Math.max(x0, floorX);
    curX1 = x1;
    curKind = kind;
    curSeg = seg;
  };
  const tEnd = vp.t1;
  let i = firstReaching(s, vp.t0);
  while (i < s.count && s.start[i] < tEnd) {
    const x0 = vp.x(s.start[i]);
    const x1 = vp.x(s.end[i]);
    if (x1 < 0) {
      i++;
      continue;
    }
    if (x1 - x0 >= 1) {
      add(Math.round(x0), Math.max(Math.round(x1), Math.round(x0) + 1), s.kind[i], i);
      i++;
      continue;
    }
    // A thin segment: take every segment starting in this pixel column as one.
    const col = Math.floor(x0);
    const j = Math.max(i + 1, firstStartingAt(s, vp.time(col + 1), i + 1));
    const best = strongest(s, i, j);
    add(col, col + 1, s.kind[best], j - i === 1 ? best : -1);
    const last = j - 1;
    const tail = vp.x(s.end[last]);
    if (tail > col + 1.5) add(col + 1, Math.round(tail), s.kind[last], last);
    i = j;
  }
  flush();
  return rects;
}

/** The segment of highest kind priority among [from, to), sampled when there are many. */
function strongest(s: Segments, from: number, to: number): number {
  const n = to - from;
  const stride = n <= SAMPLES ? 1 : n / SAMPLES;
  let best = from;
  let bestP = -1;
  for (let k = 0; k < n; k += stride) {
    const i = from + Math.floor(k);
    const p = KINDS[s.kind[i]].priority;
    if (p > bestP) {
      bestP = p;
      best = i;
    }
  }
  return best;
}
