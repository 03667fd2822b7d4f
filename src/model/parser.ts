// Streaming, tolerant reader of `.lanes` traces (docs/trace-format.md, "Reading rules"). Text arrives in chunks of
// any size (a file being appended while the program runs); complete lines are decoded at once, the unfinished last
// line waits for the next chunk or for end(). Work is linear in the input, whatever the input.

import { decodeLine, decodeRecord, learnStrings } from './records.js';
import type { TraceData, TraceHeader } from './types.js';

export const FORMAT_VERSION = 2;

/** Lines longer than this are damage, not records: real records are well under 1 KiB (reprs are bounded). Keeps a
 * newline-free multi-megabyte input from being buffered or parsed. */
const MAX_LINE_CHARS = 1 << 20;
/** The header carries the program's argv, which the OS lets reach several MiB (and JSON escaping multiplies). */
const MAX_HEADER_CHARS = 64 << 20;

/** The input is not a trace (or too damaged to be one); the message names the line. */
export class TraceFormatError extends Error {
  constructor(readonly line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.name = 'TraceFormatError';
  }
}

const NOT_A_TRACE = 'not an Async Lanes trace (expected a header with "format":"async-lanes")';

export class TraceParser {
  private pieces: string[] = [];
  private pendingChars = 0;
  private overlong = false;
  private lineNo = 0;
  private headerSeen = false;
  private failed: TraceFormatError | null = null;
  private readonly clock = { t: 0 };
  private headChecked = false;
  private dataOrNull: TraceData | null = null;

  /** `makeData` makes the TraceData the records go into once the header is read: by default arrays that keep every
   * record; a streaming reader (stream.ts) passes one whose lists hand each record on instead of keeping it. */
  constructor(private readonly makeData: (header: TraceHeader) => TraceData = emptyData) {}

  /** What has been read so far; null until the header line is complete. Appended to in place by push(). */
  get data(): TraceData | null {
    return this.dataOrNull;
  }

  /** Feeds the next piece of text. Throws TraceFormatError once the input is known not to be a trace. */
  push(chunk: string): void {
    if (this.failed) throw this.failed;
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', from);
      if (nl < 0) break;
      if (this.pendingChars === 0 && !this.overlong && this.headerSeen && nl - from <= MAX_LINE_CHARS) {
        // The common case, a whole line inside this chunk: decoded in place (records.ts, decodeLine), else from one
        // slice, without joining pieces.
        this.lineNo++;
        if (nl > from) {
          const fast = decodeLine(chunk, this.dataOrNull!, this.clock, from, nl);
          if (fast === undefined) this.readRecord(chunk.slice(from, nl), true, true);
          else this.count(fast, true);
        }
      } else {
        this.append(chunk, from, nl);
        this.completeLine();
      }
      from = nl + 1;
    }
    this.append(chunk, from, chunk.length);
  }

  /** Ends the input: decodes or drops the unfinished last line and returns everything read. */
  end(): TraceData {
    if (this.failed) throw this.failed;
    if (this.pendingChars > 0 || this.overlong) {
      const text = this.overlong ? null : this.pieces.join('');
      this.pieces = [];
      this.pendingChars = 0;
      this.overlong = false;
      this.lineNo++;
      if (!this.headerSeen) this.readHeader(text);
      else if (!this.readRecord(text, false)) this.dataOrNull!.truncated = true;
    }
    if (!this.headerSeen) this.fail(1, NOT_A_TRACE);
    const data = this.dataOrNull!;
    if (data.skipped > 0 && data.skipped * 2 > data.records + data.skipped) {
      this.fail(
        data.firstSkippedLine!,
        `not a readable Async Lanes trace (${data.skipped} of ${data.records + data.skipped} records damaged, the first here)`,
      );
    }
    return data;
  }

  private append(chunk: string, from: number, to: number): void {
    if (to <= from || this.overlong) return;
    if (!this.headChecked) this.checkHeaderStart(chunk, from, to);
    this.pendingChars += to - from;
    if (this.pendingChars > (this.headerSeen ? MAX_LINE_CHARS : MAX_HEADER_CHARS)) {
      this.overlong = true;
      this.pieces = [];
      if (!this.headerSeen) this.fail(1, NOT_A_TRACE);
      return;
    }
    this.pieces.push(from === 0 && to === chunk.length ? chunk : chunk.slice(from, to));
  }

  /** Fails fast on foreign input (binary, another format): a header starts with "{" after an optional BOM. */
  private checkHeaderStart(chunk: string, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 0xfeff || c === 0x20 || c === 0x09 || c === 0x0d) continue;
      this.headChecked = true;
      if (c !== 0x7b) this.fail(1, NOT_A_TRACE);
      return;
    }
  }

  private completeLine(): void {
    this.lineNo++;
    const text = this.overlong ? null : this.pieces.join('');
    this.pieces = [];
    this.pendingChars = 0;
    this.overlong = false;
    if (!this.headerSeen) this.readHeader(text);
    else this.readRecord(text, true);
  }

  private readHeader(text: string | null): void {
    const value = text === null ? undefined : parseJson(text.replace(/^\uFEFF/, ''));
    if (!isObject(value) || value.format !== 'async-lanes') this.fail(this.lineNo, NOT_A_TRACE);
    const h = value as Record<string, unknown>;
    const version = typeof h.version === 'number' && Number.isInteger(h.version) ? h.version : FORMAT_VERSION;
    const header: TraceHeader = {
      ...h,
      format: 'async-lanes',
      version,
      runtime: str(h.runtime) ?? 'unknown',
      runtimeVersion: str(h.runtimeVersion),
      pid: typeof h.pid === 'number' ? h.pid : null,
      argv: Array.isArray(h.argv) ? h.argv.filter((a): a is string => typeof a === 'string') : [],
      cwd: str(h.cwd),
      start: str(h.start),
      blockThresholdNs: typeof h.blockThresholdNs === 'number' ? h.blockThresholdNs : null,
    };
    const data = this.makeData(header);
    if (version > FORMAT_VERSION) {
      data.notices.push(`trace format version ${version} is newer than this reader's (${FORMAT_VERSION}); some details may be missing`);
    }
    this.dataOrNull = data;
    this.headerSeen = true;
  }

  /** Decodes one record line; returns false when it is damaged. Complete damaged lines are counted, an
   * unfinished last one is left to the caller. `scanned`: decodeLine already declined the untrimmed text. */
  private readRecord(text: string | null, complete: boolean, scanned = false): boolean {
    const trimmed = text === null ? undefined : isTrimmed(text) ? text : text.trim();
    if (trimmed === '') return true;
    // Most lines are decoded without JSON.parse (records.ts, decodeLine); the rest are parsed as JSON.
    const fast = trimmed === undefined || (scanned && trimmed === text) ? undefined : decodeLine(trimmed, this.dataOrNull!, this.clock);
    const value = fast !== undefined || trimmed === undefined ? undefined : parseJson(trimmed);
    const ok = fast ?? (Array.isArray(value) && decodeRecord(value, this.dataOrNull!, this.clock));
    if (ok && fast === undefined) learnStrings(value as unknown[]);
    return this.count(ok, complete);
  }

  /** Counts a decoded line (`ok`) or a damaged one; returns `ok`. */
  private count(ok: boolean, complete: boolean): boolean {
    if (ok) {
      this.dataOrNull!.records++;
    } else if (complete) {
      const data = this.dataOrNull!;
      data.skipped++;
      data.firstSkippedLine ??= this.lineNo;
    }
    return ok;
  }

  private fail(line: number, reason: string): never {
    this.failed = new TraceFormatError(line, reason);
    throw this.failed;
  }
}

/** Reads a whole trace held in memory. */
export function parseTrace(text: string): TraceData {
  const parser = new TraceParser();
  parser.push(text);
  return parser.end();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function emptyData(header: TraceHeader): TraceData {
  return {
    header,
    sites: new Map(),
    loops: [],
    tasks: [],
    names: [],
    steps: [],
    ends: [],
    futs: [],
    sets: [],
    callbacks: [],
    blocks: [],
    threads: [],
    works: [],
    warns: [],
    exit: null,
    records: 0,
    skipped: 0,
    firstSkippedLine: null,
    truncated: false,
    endNs: 0,
    notices: [],
  };
}

/** Gives the record objects' fields their final representations before the first trace is read: a field that
 * later changes representation (a time past 2^30 ns becomes a double; an id once null, then a number) makes V8 retire
 * the objects' shape and migrate every object made before, one by one, on its next access (in TraceIndex, ~0.4 s of
 * CPU for a 1M-record trace). Every kind, with each optional element both null and set, after a large clock. */
function shapeRecords(): void {
  const big = 2 ** 40;
  const lines = [
    ['clock', big], ['site', 1, 'f', 1, null], ['site', 2, 'f', 1, 'g'],
    ['loop', 1, 0, 'start', null], ['loop', 1, 0, 'stop', 1],
    ['task', 1, 1, null, null, null, null, null], ['task', 1, 2, 1, 'n', 'c', 1, 0], ['task', 1, 3, 1, 3, 'c', 1, 0],
    ['name', 1, 1, 'n'],
    ['step', 1, 1, 1, null, null], ['step', 1, 1, 1, 2, 1, 'sleep'], ['step', 1, 1, 1, null, 1, 'None'],
    ['end', 1, 1, 'ok', null, null], ['end', 1, 1, 'error', 'e', 1],
    ['fut', 1, 3, 'f', null, null, null], ['fut', 1, 4, 'gather', 1, 1, [1]],
    ['set', 1, 3, null, null], ['set', 1, 3, 'task', 1, 'exception', 'e'],
    ['cb', 1, 1, null, null], ['cb', 1, 1, 1, 'f'],
    ['block', 1, 1, null, null, null, null], ['block', 1, 1, 1, [1], 1, 2],
    ['thread', 1, 1, null], ['thread', 1, 1, 't'],
    ['work', 1, 1, 1, null, null, null], ['work', 1, 1, 1, 3, 'f', 1],
    ['warn', 1, 'w', null, null, null], ['warn', 1, 'w', 1, 1, 't'],
    ['exit', 1, 'exit', null], ['exit', 1, 'exit', 0], ['exit', 1, 'signal', 'SIGTERM'],
  ];
  const data = emptyData({ format: 'async-lanes', version: FORMAT_VERSION, runtime: 'unknown', runtimeVersion: null, pid: null, argv: [], cwd: null, start: null, blockThresholdNs: null });
  const clock = { t: 0 };
  for (const r of lines) decodeRecord(r, data, clock);
}
shapeRecords();

/** No leading or trailing whitespace (JSON's or String.prototype.trim's): the common case, trim() not needed. */
function isTrimmed(text: string): boolean {
  return text.length > 0 && text.charCodeAt(0) > 0x20 && text.charCodeAt(0) < 0x7f && text.charCodeAt(text.length - 1) > 0x20 && text.charCodeAt(text.length - 1) < 0x7f;
}
