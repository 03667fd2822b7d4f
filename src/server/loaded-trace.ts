// One recording as the language server keeps it: its findings and per-line figures (not its records), and the text
// of each source line they point at as it was when the recording was read, to tell later whether a line changed.

import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileTail } from '../files/tail.js';
import { checkTraceFile, HeapKeeper, streamTraceFile, TraceFileError } from '../files/trace-file.js';
import { findFindings, type Finding } from '../model/findings.js';
import type { TaskInfo } from '../model/index.js';
import { TraceFormatError, TraceParser } from '../model/parser.js';
import { SiteStatsBuilder, type SiteStats } from '../model/site-stats.js';
import { TraceStream, type StreamView } from '../model/stream.js';
import { taskTitle } from '../model/task-label.js';
import type { TraceFileInfo } from './recording-files.js';

/** A finding with what the editor shows beside it: its task, where that task was created. */
export interface LocatedFinding extends Finding {
  file: string;
  line: number;
  task: string | null;
  created: { file: string; line: number } | null;
}

export interface LoadedTrace {
  file: string;
  size: number;
  mtimeMs: number;
  findings: LocatedFinding[];
  stats: SiteStats;
  /** Source lines at the time the recording was read, by absolute path (null: the file could not be read). */
  sources: Map<string, string[] | null>;
}

/** A file in one of the workspace folders (any file when there are none): findings and figures elsewhere (the
 * runtime's library) are left out. */
export function inRoots(file: string, roots: readonly string[]): boolean {
  return roots.length === 0 || roots.some((r) => file === r || file.startsWith(r.endsWith(sep) ? r : r + sep));
}

/** A trace not written to for this long without an exit record was cut off (the program was killed): its reading
 * ends there. */
export const LIVE_MS = 10_000;
/** How often a trace still being written is read again. */
const FOLLOW_MS = 200;
/** The largest piece read at once (streamTraceFile's reads are 1 MB too): with the tail's 8 MB a trace read whole
 * (moved into the folder) peaked ~30 MB higher, its buffers and the records parsed from each alive until the next
 * collection. */
const READ_BYTES = 1 << 20;

/** The reader's heap kept to what it holds plus 32 MB (at least 64 MB in all), not the CLI's 64 MB (96 MB): with the
 * server's own it peaked over 200 MB on a 50 MB trace (bench:lsp). Costs a few more collections (7 instead of 3). */
const serverHeap = () => new HeapKeeper(64, 32);

/** Reads `info.file` in one streaming pass. Throws TraceFileError for a file that is not a readable trace. */
export async function loadTrace(info: TraceFileInfo, roots: readonly string[]): Promise<LoadedTrace> {
  const reader = new TraceReader();
  await streamTraceFile(info.file, reader.stream, serverHeap());
  return reader.result(info, roots);
}

/**
 * Reads a recording while it is written, as it grows, so that when it ends only its last part is left to read: the
 * findings are ready moments after the program exits. Ends at the exit record, or when the file has not grown for
 * LIVE_MS (cut off). Memory is the streaming reader's, however long the recording runs.
 */
export async function followTrace(file: string, roots: readonly string[]): Promise<LoadedTrace> {
  checkTraceFile(file);
  const reader = new TraceReader();
  const parser = new TraceParser(reader.stream.makeData);
  const tail = new FileTail(file, READ_BYTES);
  const heap = serverHeap();
  let grew = Date.now();
  try {
    for (;;) {
      const r = tail.read();
      if (r.kind === 'missing') throw new TraceFileError(`cannot read "${file}": no such file`);
      if (r.kind === 'shrunk') throw new TraceFileError(`${file} was replaced while it was read`);
      if (r.text !== '') {
        parser.push(r.text);
        heap.check();
        grew = Date.now();
      }
      if (r.more) continue;
      // The exit record, and nothing written since (a writer may still flush records of before the exit).
      if ((parser.data?.exit && r.text === '') || Date.now() - grew >= LIVE_MS) break;
      await new Promise((done) => setTimeout(done, FOLLOW_MS));
    }
    parser.end();
  } catch (err) {
    if (err instanceof TraceFormatError) throw new TraceFileError(`${file}: ${err.message}`);
    throw err;
  }
  const st = statSync(file);
  return reader.result({ file, size: st.size, mtimeMs: st.mtimeMs }, roots);
}

/** A streaming read (model/stream.ts) with the per-line figures (model/site-stats.ts) collected from its hooks. */
class TraceReader {
  readonly stream: TraceStream;
  private readonly builder: SiteStatsBuilder;

  constructor() {
    let view: StreamView | undefined;
    this.builder = new SiteStatsBuilder({ task: (id) => view!.task(id), future: (id) => view!.future(id) });
    this.stream = new TraceStream(this.builder.hooks, { keepTallies: false });
    view = this.stream.view;
  }

  /** What the server keeps, once the whole trace was fed: the findings and figures about the workspace's files. */
  result(info: TraceFileInfo, roots: readonly string[]): LoadedTrace {
    const view = this.stream.finish();
    const inWorkspace = (file: string) => inRoots(file, roots);
    const cwd = view.meta.header.cwd;
    const abs = (file: string) => (file.startsWith('file:') ? fileURLToPath(file) : isAbsolute(file) || cwd === null ? file : resolve(cwd, file));
    const findings: LocatedFinding[] = [];
    for (const f of findFindings(view)) {
      if (f.file === null || f.line === null || !isSourceFile(f.file) || !inWorkspace(abs(f.file))) continue;
      const task: TaskInfo | undefined = f.taskId === null ? undefined : view.task(f.taskId);
      findings.push({
        ...f,
        file: abs(f.file),
        line: f.line,
        task: task ? taskTitle(task) : null,
        created: task?.site && isSourceFile(task.site.file) ? { file: abs(task.site.file), line: task.site.line } : null,
      });
    }
    const raw = this.builder.finish(view.meta.header.blockThresholdNs);
    const keep = <T extends { file: string }>(list: T[]) =>
      list.filter((x) => isSourceFile(x.file)).map((x) => ({ ...x, file: abs(x.file) })).filter((x) => inWorkspace(x.file));
    const stats: SiteStats = { awaits: keep(raw.awaits), functions: keep(raw.functions), creations: keep(raw.creations) };
    const sources = new Map<string, string[] | null>();
    for (const file of [...findings.map((f) => f.file), ...stats.awaits.map((a) => a.file), ...stats.functions.map((a) => a.file), ...stats.creations.map((a) => a.file)]) {
      if (!sources.has(file)) sources.set(file, readLines(file));
    }
    return { file: info.file, size: info.size, mtimeMs: info.mtimeMs, findings, stats, sources };
  }
}

/** A file on disk, not `<string>`, `<frozen ...>` or `node:internal/...`. */
function isSourceFile(file: string): boolean {
  return file !== '' && !file.startsWith('<') && (file.startsWith('file:') || !/^[a-z][a-z\d+.-]+:(?![\\/])/i.test(file));
}

function readLines(file: string): string[] | null {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/);
  } catch {
    return null;
  }
}
