// One trace as it arrives, for every view of it (the VS Code extension host, the timeline webview in VS Code and in
// the browser): the streaming parser fed with `load` / `append` text, the index and findings of what was read (built
// once per change, and paced so that a trace that keeps growing cannot keep its thread busy rebuilding), and the
// notices a person must see (notices.ts).

import { findFindings, type Finding } from './findings.js';
import { TraceIndex } from './index.js';
import { unreadableText, viewNotices, windowOf, type Notice } from './notices.js';
import { TraceFormatError, TraceParser } from './parser.js';
import { tooBigText } from './timeline-budget.js';
import type { TraceData } from './types.js';

export interface Analysis {
  index: TraceIndex;
  findings: Finding[];
}

/** Between two rebuilds of a growing trace, the thread gets at least this many times the last rebuild's time for
 * other work (drawing, input, the side panel). */
const REST_FACTOR = 3;

export class LiveTrace {
  private parser = new TraceParser();
  /** The text received so far ended with a newline (else its last line is unfinished). */
  private endsClean = true;
  private error: string | null = null;
  private live = false;
  /** The trace's size, the timeline's budget when it is larger than that (its text is then not read), and where it
   * ends in time when known. */
  private tooLarge: { bytes: number; budget: number; endNs: number | null } | null = null;
  private analysis: Analysis | null = null;
  private lastBuildAt = -Infinity;
  private lastBuildMs = 0;

  /** `now` in ms, for pacing the rebuilds (performance.now in a page, Date.now elsewhere). */
  constructor(private readonly now: () => number = Date.now) {}

  /** Starts over with a whole trace (or its first part); `live`: the file may still grow. */
  load(text: string, live: boolean): void {
    this.parser = new TraceParser();
    this.endsClean = true;
    this.error = null;
    this.tooLarge = null;
    this.live = live;
    this.analysis = null;
    this.append(text);
  }

  append(text: string): void {
    if (this.error !== null || this.tooLarge !== null || text === '') return;
    this.endsClean = text.endsWith('\n');
    this.analysis = null;
    try {
      this.parser.push(text);
    } catch (err) {
      if (!(err instanceof TraceFormatError)) throw err;
      this.error = unreadableText(err.message);
    }
  }

  /** The file stopped growing (the recording ended). */
  ended(): void {
    if (this.live) this.analysis = null; // (tasks without an end now count as pending)
    this.live = false;
  }

  /** The source failed or changed in a way the view cannot follow: said first, what was read stays. */
  fail(message: string): void {
    this.error = message;
  }

  /** The trace is `bytes` long, more than the timeline's `budget`, and ends `endNs` after its start (null: not
   * known): what was read is let go, nothing more is read. */
  tooBig(bytes: number, budget: number, endNs: number | null = null): void {
    this.tooLarge = { bytes, budget, endNs };
    this.parser = new TraceParser();
    this.analysis = null;
  }

  /** The trace is too big for the timeline (tooBig). */
  get oversize(): boolean {
    return this.tooLarge !== null;
  }

  /** Everything read so far; null before the header arrived. */
  get data(): TraceData | null {
    return this.parser.data;
  }

  /** The index and findings of everything read so far (built at most once per change); null before a header. */
  analyse(): Analysis | null {
    const data = this.parser.data;
    if (this.analysis === null && data !== null) {
      const started = this.now();
      const index = new TraceIndex(data);
      this.analysis = { index, findings: findFindings(index, { live: this.live }) };
      this.lastBuildAt = this.now();
      this.lastBuildMs = this.lastBuildAt - started;
    }
    return this.analysis;
  }

  /** Ms to wait before analyse() may build again: 0 at once, or what leaves the thread REST_FACTOR times the last
   * build's time since it (a large trace that keeps growing is rebuilt less often, never back to back). */
  rebuildDelay(): number {
    return Math.max(0, this.lastBuildAt + this.lastBuildMs * (REST_FACTOR + 1) - this.now());
  }

  /** What the notice bar says: problems first. */
  notices(): Notice[] {
    const out: Notice[] = [];
    if (this.tooLarge !== null) return [{ level: 'error', text: tooBigText(this.tooLarge.bytes, this.tooLarge.budget, this.tooLarge.endNs) }];
    if (this.error !== null) out.push({ level: 'error', text: this.error });
    const data = this.parser.data;
    if (data === null) return out;
    return out.concat(viewNotices({
      notices: data.notices,
      skipped: data.skipped,
      firstSkippedLine: data.firstSkippedLine,
      midRecord: !this.endsClean,
      exited: data.exit !== null,
      live: this.live,
      window: windowOf(data.header),
    }));
  }
}
