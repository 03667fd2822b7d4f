// How large a trace the timeline opens, and what it says about a larger one. Measured with generated traces in the
// served viewer (bench/gen-trace.mjs; README "Traces too big for the timeline"): the page's heap grows ~4 MB per MB of
// trace and its first frame comes ~0.2 s per MB later (100 MB: 437 MiB, 22 s; 200 MB: 773 MiB, 57 s; 400 MB: 1.5 GiB,
// 93 s, on a busy 2-core machine), so past this size a tab would sit busy for a minute or more.

import { formatDuration } from './format.js';

export const TIMELINE_BUDGET_BYTES = 100e6;

/** "412 MB" */
export function formatSize(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;
}

/** The first sentence of the message about a trace too big for the timeline, with how long it runs when known
 * (`endNs`, trace-end.ts: the times a window can take); the way forward follows it. */
export function tooBigText(bytes: number, budget = TIMELINE_BUDGET_BYTES, endNs: number | null = null): string {
  const length = endNs === null ? '' : ` over ${formatDuration(endNs)}`;
  const upTo = endNs === null ? '' : `, up to ${formatDuration(endNs)}`;
  return `This trace is too big for the timeline: ${formatSize(bytes)}${length}, and the timeline holds up to ${formatSize(budget)}. Open a time window of it (times after the trace's start${upTo}; tasks alive in it are kept, clipped to it).`;
}

/** The command that opens a time window of `file`. */
export function windowCommand(file: string): string {
  return `async-lanes view ${/^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`} --from 0s --to 10s`;
}
