// Draws the time axis and the lanes for the current state: only the rows and time window in view, each lane as
// merged rectangles (rects.ts), outcome markers, finding markers, the selected task's edges, the cursors.

import { taskLabelOf } from '../src/model/task-label.js';
import { Kind, isFuture, isWait } from './kinds.js';
import { MARK_R } from './hit.js';
import type { Edge } from './edges.js';
import { outcomeGlyph, outcomeText } from './describe.js';
import { iconGlyph, OUTCOME_ICON } from './icons.js';
import type { Lane, LaneModel } from './lanes.js';
import { AXIS_H, BAR_H, ROW_H, WAIT_H } from './layout.js';
import { laneRects } from './rects.js';
import { formatDuration, tickLabel, tickStep } from './format.js';
import type { Theme } from './theme.js';
import type { Viewport } from './viewport.js';

export interface Scene {
  model: LaneModel;
  rows: string[];
  scrollTop: number;
  vp: Viewport;
  height: number;
  selected: string | null;
  hoverRow: string | null;
  hoverX: number | null;
  cursorT: number | null;
  edges: Edge[];
  theme: Theme;
}

export interface FrameStats {
  rects: number;
  rows: number;
}

const CHAR_W = 6.6;

export function drawAxis(ctx: CanvasRenderingContext2D, sc: Scene): void {
  const { vp, theme } = sc;
  ctx.clearRect(0, 0, vp.width, AXIS_H);
  ctx.font = theme.font;
  ctx.textBaseline = 'middle';
  const step = tickStep(vp.span, vp.width);
  ctx.fillStyle = theme.grid;
  ctx.fillRect(0, AXIS_H - 1, vp.width, 1);
  for (let t = Math.ceil(vp.t0 / step) * step; t < vp.t1; t += step) {
    const x = Math.round(vp.x(t)) + 0.5;
    ctx.fillStyle = theme.grid;
    ctx.fillRect(x, AXIS_H - 7, 1, 6);
    ctx.fillStyle = theme.muted;
    ctx.fillText(tickLabel(t, step), x + 4, AXIS_H / 2 - 2);
  }
  const end = vp.x(sc.model.endNs);
  if (end >= 0 && end <= vp.width) {
    ctx.fillStyle = theme.muted;
    ctx.fillRect(Math.round(end), 0, 1, AXIS_H);
  }
  if (sc.cursorT !== null) {
    const x = Math.round(vp.x(sc.cursorT));
    ctx.fillStyle = theme.cursor;
    ctx.beginPath();
    ctx.moveTo(x - 5, AXIS_H - 8);
    ctx.lineTo(x + 5, AXIS_H - 8);
    ctx.lineTo(x, AXIS_H - 1);
    ctx.fill();
  }
}

export function drawLanes(ctx: CanvasRenderingContext2D, sc: Scene): FrameStats {
  const { vp, theme, model } = sc;
  ctx.clearRect(0, 0, vp.width, sc.height);
  ctx.font = theme.font;
  ctx.textBaseline = 'middle';
  const first = Math.max(0, Math.floor(sc.scrollTop / ROW_H));
  const last = Math.min(sc.rows.length, Math.ceil((sc.scrollTop + sc.height) / ROW_H));
  drawGrid(ctx, sc);
  let rects = 0;
  for (let r = first; r < last; r++) {
    const lane = model.byKey.get(sc.rows[r])!;
    const y = r * ROW_H - sc.scrollTop;
    if (lane.key === sc.selected) {
      ctx.fillStyle = theme.selection;
      ctx.fillRect(0, y, vp.width, ROW_H);
    } else if (lane.key === sc.hoverRow) {
      ctx.fillStyle = theme.hoverRow;
      ctx.fillRect(0, y, vp.width, ROW_H);
    } else if (r % 2 === 1) {
      ctx.fillStyle = theme.rowAlt;
      ctx.fillRect(0, y, vp.width, ROW_H);
    }
    rects += drawLane(ctx, sc, lane, y);
  }
  drawEdges(ctx, sc);
  drawCursors(ctx, sc);
  return { rects, rows: last - first };
}

function drawGrid(ctx: CanvasRenderingContext2D, sc: Scene): void {
  const { vp, theme } = sc;
  const step = tickStep(vp.span, vp.width);
  ctx.fillStyle = theme.grid;
  for (let t = Math.ceil(vp.t0 / step) * step; t < vp.t1; t += step) ctx.fillRect(Math.round(vp.x(t)), 0, 1, sc.height);
}

function drawLane(ctx: CanvasRenderingContext2D, sc: Scene, lane: Lane, y: number): number {
  const { theme, model, vp } = sc;
  const mid = y + ROW_H / 2;
  let lastKind = -1;
  const labels: { x0: number; x1: number; seg: number }[] = [];
  const rect = (x0: number, x1: number, kind: number, seg: number, top: number, h: number) => {
    if (kind !== lastKind) {
      ctx.fillStyle = theme.kinds[kind];
      lastKind = kind;
    }
    ctx.fillRect(x0, top, x1 - x0, h);
    if (x1 - x0 > 48 && !isWait(kind)) labels.push({ x0, x1, seg });
  };
  let n = laneRects(lane.segs, vp, (x0, x1, kind, seg) => {
    const h = isWait(kind) ? WAIT_H : isFuture(kind) ? FUTURE_H : BAR_H;
    rect(x0, x1, kind, seg, mid - h / 2, h);
  });
  const baseLabels = labels.length;
  const covered: [number, number][] = [];
  if (lane.overlay.count > 0) {
    n += laneRects(lane.overlay, vp, (x0, x1, kind, seg) => {
      rect(x0, x1, kind, seg, mid - BAR_H / 2 - 2, BAR_H + 4);
      covered.push([x0, x1]);
    });
  }
  // Names inside wide bars: the task on a loop step, the function of executor work, how long the loop was blocked;
  // a base label under an overlay is left out.
  labels.forEach((l, i) => {
    if (l.seg < 0) return;
    const base = i < baseLabels;
    if (base && covered.some(([a, b]) => a < l.x1 && b > l.x0)) return;
    const text = base ? segmentLabel(sc, lane, l.seg) : `blocked ${formatDuration(lane.overlay.end[l.seg] - lane.overlay.start[l.seg])}`;
    if (text) fitText(ctx, text, Math.max(l.x0, 0) + 4, mid, l.x1 - Math.max(l.x0, 0) - 8, '#fff');
  });
  if (lane.outcome) drawOutcome(ctx, sc, lane, mid);
  if (lane.marks) drawMarks(ctx, sc, lane, mid);
  for (const fi of lane.findings) {
    const f = model.findings[fi];
    const x = vp.x(f.time);
    if (x < -6 || x > vp.width + 6) continue;
    ctx.fillStyle = f.kind === 'blocked-loop' ? theme.kinds[Kind.Blocked] : theme.finding;
    ctx.beginPath();
    ctx.moveTo(x - 5, y + 1);
    ctx.lineTo(x + 5, y + 1);
    ctx.lineTo(x, y + 8);
    ctx.closePath();
    ctx.fill();
  }
  return n;
}

/** A future's bar is thinner than a task's step: it is a period of waiting, not of running. */
const FUTURE_H = 12;

function segmentLabel(sc: Scene, lane: Lane, seg: number): string {
  const ref = lane.segs.ref[seg];
  const kind = lane.segs.kind[seg];
  if (lane.story) return futureBarText(sc, lane);
  if (lane.type === 'loop' || lane.type === 'group') {
    const task = kind === Kind.Callback ? undefined : sc.model.index.task(ref);
    return task ? taskLabelOf(task).text : sc.model.index.callbacks[ref]?.name ?? '';
  }
  if (lane.type === 'thread') return sc.model.index.work[ref]?.fn ?? '';
  return kind === Kind.Running ? sc.model.index.task(lane.id)?.coro ?? '' : '';
}

/** Inside a future's bar: how it ended when there is no room for that after the bar, else who waited on it. */
function futureBarText(sc: Scene, lane: Lane): string {
  if (!outcomeFits(sc, lane)) return outcomeText(lane.outcome!).slice(2);
  const names = [...new Set(lane.story!.awaits.map((a) => sc.model.index.task(a.task)).filter((t) => t !== undefined).map((t) => taskLabelOf(t).text))];
  return names.length > 0 ? `awaited by ${names.join(', ')}` : 'awaited by no task';
}

/** Room for the outcome's text right of its marker (for a future, whose text is long, it may move into the bar). */
function outcomeRoom(sc: Scene, lane: Lane): number {
  return Math.min(260, sc.vp.width - sc.vp.x(lane.outcome!.t) - 20);
}

function outcomeFits(sc: Scene, lane: Lane): boolean {
  return (outcomeText(lane.outcome!).length - 2) * CHAR_W <= outcomeRoom(sc, lane);
}

/** A diamond where a future this task awaited was resolved, in the colour of its outcome; the selected future's
 * marks are outlined. */
function drawMarks(ctx: CanvasRenderingContext2D, sc: Scene, lane: Lane, mid: number): void {
  const t = sc.theme;
  // Last to first: the first mark (a future with a row of its own) ends on top, as hit-testing finds it first.
  for (let i = lane.marks!.length - 1; i >= 0; i--) {
    const m = lane.marks![i];
    const x = sc.vp.x(m.t);
    if (x < -MARK_R || x > sc.vp.width + MARK_R) continue;
    ctx.beginPath();
    ctx.moveTo(x, mid - MARK_R);
    ctx.lineTo(x + MARK_R, mid);
    ctx.lineTo(x, mid + MARK_R);
    ctx.lineTo(x - MARK_R, mid);
    ctx.closePath();
    ctx.fillStyle = m.state === 'ok' ? t.ok : m.state === 'error' ? t.error : m.state === 'cancelled' ? t.cancelled : t.pending;
    ctx.fill();
    if (m.key !== sc.selected) continue;
    ctx.lineWidth = 2;
    ctx.strokeStyle = t.fg;
    ctx.stroke();
  }
}

function drawOutcome(ctx: CanvasRenderingContext2D, sc: Scene, lane: Lane, mid: number): void {
  const o = lane.outcome!;
  const x = sc.vp.x(o.t);
  if (x < -200 || x > sc.vp.width) return;
  const t = sc.theme;
  const color = o.state === 'ok' ? t.ok : o.state === 'error' ? t.error : o.state === 'cancelled' ? t.cancelled : t.pending;
  ctx.fillStyle = color;
  // The outcome's codicon once the icon font has loaded (until then, and without it, the text glyph).
  const glyph = iconGlyph(OUTCOME_ICON[o.state]);
  if (glyph !== null) {
    ctx.font = '12px codicon';
    ctx.fillText(glyph, x + 2, mid);
  } else {
    ctx.font = `bold ${t.font}`;
    ctx.fillText(outcomeGlyph(o), x + 3, mid);
  }
  ctx.font = t.font;
  ctx.fillStyle = t.muted;
  // A future's outcome that does not fit here is written inside its bar when the bar is wide enough.
  if (lane.story && !outcomeFits(sc, lane) && x - Math.max(sc.vp.x(lane.segs.start[0] ?? 0), 0) > 48) return;
  fitText(ctx, outcomeText(o).slice(2), x + 16, mid, outcomeRoom(sc, lane), null);
}

/** Draws `text` cut with "…" to `maxW` pixels (estimated, no measuring per frame); nothing if under 3 chars fit. */
function fitText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, maxW: number, color: string | null): void {
  const fit = Math.floor(maxW / CHAR_W);
  if (fit < 3) return;
  const shown = text.length > fit ? text.slice(0, fit - 1) + '…' : text;
  if (color) ctx.fillStyle = color;
  ctx.fillText(shown, x, y);
}

function drawEdges(ctx: CanvasRenderingContext2D, sc: Scene): void {
  if (sc.edges.length === 0) return;
  const rowOf = new Map<string, number>();
  sc.rows.forEach((k, i) => rowOf.set(k, i));
  const yOf = (key: string): number | null => {
    for (let k: string | null = key; k !== null; k = sc.model.byKey.get(k)?.parentKey ?? null) {
      const r = rowOf.get(k);
      if (r !== undefined) return r * ROW_H - sc.scrollTop + ROW_H / 2;
    }
    return null;
  };
  const colors = { created: sc.theme.edgeCreated, woken: sc.theme.edgeWoken, awaits: sc.theme.edgeAwaits };
  ctx.lineWidth = 1.5;
  for (const e of sc.edges) {
    const y0 = yOf(e.fromKey);
    const y1 = yOf(e.toKey);
    if (y0 === null || y1 === null || y0 === y1) continue;
    if ((y0 < 0 && y1 < 0) || (y0 > sc.height && y1 > sc.height)) continue;
    const x0 = sc.vp.x(e.fromT);
    const x1 = sc.vp.x(e.toT);
    if (Math.max(x0, x1) < 0 || Math.min(x0, x1) > sc.vp.width) continue;
    ctx.strokeStyle = colors[e.kind];
    ctx.fillStyle = colors[e.kind];
    ctx.setLineDash(e.kind === 'awaits' ? [4, 3] : []);
    const half = (y1 - y0) / 2;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.bezierCurveTo(x0, y0 + half, x1, y1 - half, x1, y1);
    ctx.stroke();
    const dir = y1 > y0 ? 1 : -1;
    ctx.beginPath();
    ctx.arc(x0, y0, 2.5, 0, Math.PI * 2);
    ctx.fill();
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - 4, y1 - 7 * dir);
    ctx.lineTo(x1 + 4, y1 - 7 * dir);
    ctx.closePath();
    ctx.fill();
  }
  ctx.setLineDash([]);
}

function drawCursors(ctx: CanvasRenderingContext2D, sc: Scene): void {
  if (sc.hoverX !== null) {
    ctx.fillStyle = sc.theme.grid;
    ctx.fillRect(Math.round(sc.hoverX), 0, 1, sc.height);
  }
  if (sc.cursorT !== null) {
    ctx.fillStyle = sc.theme.cursor;
    ctx.fillRect(Math.round(sc.vp.x(sc.cursorT)), 0, 1.5, sc.height);
  }
}
