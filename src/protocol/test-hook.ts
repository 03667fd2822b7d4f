// The viewer's read-only test and benchmark interface, `window.__lanes` (webview/test-hook.ts). Pure types, so the
// Node-side tests can use them without DOM types.

import type { ViewMessage } from './messages.js';

export interface HookRow {
  key: string;
  /** What the row is called (for a task, what runs there). */
  label: string;
  /** Shown dimmer after it: a task's automatic name ("Task-7"), else null. */
  sub: string | null;
  depth: number;
  type: string;
}

export interface HookHit {
  lane: string;
  /** "segment", "outcome", "finding" or "lane". */
  what: string;
  /** The segment kind name (webview/kinds.ts) for segments. */
  kind: string | null;
  t: number;
}

export interface HookView {
  t0: number;
  t1: number;
  endNs: number;
  selected: string | null;
  cursorT: number | null;
  follow: boolean;
}

export interface HookStats {
  frames: number;
  lastFrameMs: number;
  /** performance.now() (ms since navigation) when the first frame with a trace was drawn. */
  firstFrameAt: number;
  /** Time spent in the parser (all text so far) and in the last rebuild of the index and lanes. */
  parseMs: number;
  buildMs: number;
  last: { rects: number; rows: number };
  loads: number;
  appends: number;
}

export interface LanesHook {
  ready(): boolean;
  rows(): HookRow[];
  /** Hit-testing in lanes-canvas CSS pixels. */
  hitTest(x: number, y: number): HookHit | null;
  stateAt(key: string, t: number): string | null;
  /** Canvas x of time t. */
  x(t: number): number;
  /** Canvas y of the middle of lane `key`, null when it is not a row. */
  y(key: string): number | null;
  view(): HookView;
  stats(): HookStats;
  messages: ViewMessage[];
}
