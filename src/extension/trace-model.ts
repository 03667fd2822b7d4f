// The extension host's own reading of a trace (for the side panel and the editor decorations): the streaming parser
// fed with the same text the webview gets, and the index and findings built from it on demand, once per change.
// Pure TypeScript (no vscode).

import { findFindings, type Finding } from '../model/findings.js';
import { TraceIndex } from '../model/index.js';
import { TraceFormatError, TraceParser } from '../model/parser.js';

export interface Analysis {
  index: TraceIndex;
  findings: Finding[];
}

export class TraceModel {
  private parser = new TraceParser();
  /** The text is known not to be a trace (the webview says so; the side panel stays empty). */
  private unreadable = false;
  private analysis: Analysis | null = null;

  reset(): void {
    this.parser = new TraceParser();
    this.unreadable = false;
    this.analysis = null;
  }

  push(text: string): void {
    if (this.unreadable || text === '') return;
    try {
      this.parser.push(text);
    } catch (err) {
      if (!(err instanceof TraceFormatError)) throw err;
      this.unreadable = true;
    }
    this.analysis = null;
  }

  /** The index and findings of everything read so far; null before a header arrived or when unreadable. */
  analyse(): Analysis | null {
    if (this.analysis === null && !this.unreadable && this.parser.data !== null) {
      const index = new TraceIndex(this.parser.data);
      this.analysis = { index, findings: findFindings(index) };
    }
    return this.analysis;
  }
}
