// The notices about a trace that a person must see (damaged, cut off, still running, too big for the timeline), one
// text each for every reader: the CLI prints them as `async-lanes: notice: …` lines, the timeline shows them in its
// notice bar. Only a view can say whether the file may still grow, so the live variants are the view's.

import { formatDuration } from './format.js';
import type { TraceData, TraceHeader } from './types.js';

export type NoticeLevel = 'error' | 'warning' | 'info';

export interface Notice {
  level: NoticeLevel;
  text: string;
}

/** What the notices are about: the reader's own notices, the damaged lines, and whether the text ends mid-record
 * (its last line dropped, or in a live view waiting for the rest). */
export type ReadCondition = Pick<TraceData, 'notices' | 'skipped' | 'firstSkippedLine'> & { midRecord: boolean };

/** What a trace that may still grow adds to that: is the program's exit recorded, may the file still grow, and is it
 * a time window of a larger trace (header field `window`, written by the windowing reader). */
export interface ViewCondition extends ReadCondition {
  exited: boolean;
  live: boolean;
  window: TraceWindowInfo | null;
}

/** A windowed trace's header says which part of the whole it holds (ns since the whole trace's start). */
export interface TraceWindowInfo {
  from: number;
  to: number;
}

/** Which part of the whole trace a windowed trace holds (its header's `window`); null for a whole trace. */
export function windowOf(header: TraceHeader): TraceWindowInfo | null {
  const w = header.window as Partial<TraceWindowInfo> | null | undefined;
  return typeof w?.from === 'number' && typeof w.to === 'number' ? { from: w.from, to: w.to } : null;
}

/** How the trace ends, for a summary: the exit record, or why there is none. */
export function endingText(exit: TraceData['exit'], part: TraceWindowInfo | null): string {
  if (exit !== null) return exit.how === 'exit' ? `exit code ${exit.detail}` : `${exit.how}: ${exit.detail}`;
  if (part !== null && part.to < Number.MAX_SAFE_INTEGER) return `not in this window: it ends ${formatDuration(part.to)} after the trace's start, and the trace goes on`;
  return 'no exit record (killed, or still running)';
}

/** Damage and a cut-off end: what every reader says after reading. */
export function readNotices(c: ReadCondition, live = false): Notice[] {
  const out: Notice[] = c.notices.map((text) => ({ level: 'warning', text }));
  if (c.skipped > 0) {
    out.push({ level: 'warning', text: `Damaged trace: ${c.skipped} unreadable line${c.skipped === 1 ? '' : 's'} skipped (the first is line ${c.firstSkippedLine}); the rest was read.` });
  }
  if (c.midRecord) {
    out.push({
      level: 'warning',
      text: live
        ? 'The trace ends mid-record: the program is still writing it, or was killed. Showing what has been read; new records appear as they arrive.'
        : 'Truncated trace: it ends mid-record (the program was killed while writing it, or is still writing); the last line was dropped.',
    });
  }
  return out;
}

/** A view's notices: the reader's, then how the trace ends. (The CLI leaves out the missing exit record: its report's
 * first line says "cut off (no exit record)".) */
export function viewNotices(c: ViewCondition): Notice[] {
  const out = readNotices(c, c.live);
  if (c.window !== null) {
    const { from, to } = c.window;
    const until = to >= Number.MAX_SAFE_INTEGER ? 'its end' : `${formatDuration(to)} after its start`;
    out.push({ level: 'info', text: `A time window of the trace, from ${formatDuration(from)} to ${until} (0 on the axis is ${formatDuration(from)}). Tasks alive in it are clipped to it.` });
  } else if (!c.exited && !c.midRecord) {
    out.push(
      c.live
        ? { level: 'info', text: 'No exit record yet: the program is still running, or was killed. New records appear as they arrive.' }
        : { level: 'warning', text: 'The trace has no exit record: the program was killed or still running when it was copied.' },
    );
  }
  return out;
}

/** Input that is not a trace at all. */
export function unreadableText(reason: string): string {
  return `Not a readable trace: ${reason}`;
}
