// One recording as the language server keeps it: its findings and per-line figures (not its records), and the text
// of each source line they point at as it was when the recording was read, to tell later whether a line changed.

import { readFileSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { streamTraceFile } from '../files/trace-file.js';
import { findFindings, type Finding } from '../model/findings.js';
import type { TaskInfo } from '../model/index.js';
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

/** A trace written to in the last LIVE_MS without an exit record is taken for a recording still running: its tasks
 * without an end are running, not findings. */
const LIVE_MS = 10_000;

/** A file in one of the workspace folders (any file when there are none): findings and figures elsewhere (the
 * runtime's library) are left out. */
export function inRoots(file: string, roots: readonly string[]): boolean {
  return roots.length === 0 || roots.some((r) => file === r || file.startsWith(r.endsWith(sep) ? r : r + sep));
}

/** Reads `info.file` in one streaming pass. Throws TraceFileError for a file that is not a readable trace. */
export async function loadTrace(info: TraceFileInfo, roots: readonly string[], now = Date.now()): Promise<LoadedTrace> {
  const inWorkspace = (file: string) => inRoots(file, roots);
  let view: StreamView | undefined;
  const builder = new SiteStatsBuilder({ task: (id) => view!.task(id), future: (id) => view!.future(id) });
  const stream = new TraceStream(builder.hooks, { keepTallies: false });
  view = stream.view;
  await streamTraceFile(info.file, stream);
  const cwd = view.meta.header.cwd;
  const abs = (file: string) => (file.startsWith('file:') ? fileURLToPath(file) : isAbsolute(file) || cwd === null ? file : resolve(cwd, file));
  const live = view.meta.exit === null && now - info.mtimeMs < LIVE_MS;
  const findings: LocatedFinding[] = [];
  for (const f of findFindings(view, { live })) {
    if (f.file === null || f.line === null || !isSourceFile(f.file)) continue;
    const task: TaskInfo | undefined = f.taskId === null ? undefined : view.task(f.taskId);
    findings.push({
      ...f,
      file: abs(f.file),
      line: f.line,
      task: task ? taskTitle(task) : null,
      created: task?.site && isSourceFile(task.site.file) ? { file: abs(task.site.file), line: task.site.line } : null,
    });
  }
  const raw = builder.finish();
  const keep = <T extends { file: string }>(list: T[]) =>
    list.filter((x) => isSourceFile(x.file)).map((x) => ({ ...x, file: abs(x.file) })).filter((x) => inWorkspace(x.file));
  const stats: SiteStats = { awaits: keep(raw.awaits), functions: keep(raw.functions), creations: keep(raw.creations) };
  const sources = new Map<string, string[] | null>();
  for (const file of [...findings.map((f) => f.file), ...stats.awaits.map((a) => a.file), ...stats.functions.map((a) => a.file), ...stats.creations.map((a) => a.file)]) {
    if (!sources.has(file) && inWorkspace(file)) sources.set(file, readLines(file));
  }
  return { file: info.file, size: info.size, mtimeMs: info.mtimeMs, findings: findings.filter((f) => inWorkspace(f.file)), stats, sources };
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
