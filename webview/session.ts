// One trace as it arrives: the streaming parser fed with `load` / `append` text, the notices a person must see
// (cut off, damaged, still running), and the lane model rebuilt after each batch of text.

import { findFindings } from '../src/model/findings.js';
import { TraceIndex } from '../src/model/index.js';
import { TraceFormatError, TraceParser } from '../src/model/parser.js';
import { buildLanes, type LaneModel } from './lanes.js';

export class TraceSession {
  private parser = new TraceParser();
  /** The text received so far ended with a newline (else its last line is unfinished). */
  private endsClean = true;
  private error: string | null = null;
  private live = false;

  /** Starts over with a whole trace. */
  load(text: string, live: boolean): void {
    this.parser = new TraceParser();
    this.endsClean = true;
    this.error = null;
    this.live = live;
    this.append(text);
  }

  append(text: string): void {
    if (this.error !== null || text === '') return;
    this.endsClean = text.endsWith('\n');
    try {
      this.parser.push(text);
    } catch (err) {
      this.error = err instanceof TraceFormatError ? `Not a readable trace: ${err.message}` : String(err);
    }
  }

  /** The file stopped growing (the recording ended). */
  ended(): void {
    this.live = false;
  }

  fail(message: string): void {
    this.error = message;
  }

  /** The lane model of everything read so far, or null before a header arrived. */
  build(): LaneModel | null {
    const data = this.parser.data;
    if (data === null) return null;
    const index = new TraceIndex(data);
    return buildLanes(index, findFindings(index));
  }

  /** What the notice bar says: problems first. */
  notices(): { level: 'error' | 'warning' | 'info'; text: string }[] {
    const out: { level: 'error' | 'warning' | 'info'; text: string }[] = [];
    if (this.error !== null) out.push({ level: 'error', text: this.error });
    const data = this.parser.data;
    if (data === null) return out;
    for (const n of data.notices) out.push({ level: 'warning', text: n });
    if (data.skipped > 0) {
      out.push({ level: 'warning', text: `Damaged trace: ${data.skipped} unreadable line${data.skipped === 1 ? '' : 's'} skipped (the first is line ${data.firstSkippedLine}). Showing what could be read.` });
    }
    if (data.exit === null) {
      out.push(
        !this.endsClean
          ? { level: 'warning', text: this.live ? 'The trace ends mid-record: the program is still writing it, or was killed. Showing what has been read; new records appear as they arrive.' : 'Truncated trace: it ends mid-record (the program was killed while writing). Showing what it has.' }
          : { level: this.live ? 'info' : 'warning', text: this.live ? 'No exit record yet: the program is still running, or was killed. New records appear as they arrive.' : 'The trace has no exit record: the program was killed or still running when it was copied.' },
      );
    }
    return out;
  }
}
