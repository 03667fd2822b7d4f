// Which recordings in the trace folder the language server reads: the newest recording of each program. A recording
// is `<stem>-<yyyymmdd>-<hhmmss>[-n].lanes` (src/launch: traceFileName), plus `<that name without .lanes>.<pid>.lanes`
// for each further Node process it ran; other `.lanes` files are each a program of their own.

import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface TraceFileInfo {
  file: string;
  size: number;
  mtimeMs: number;
}

const NAME = /^(.*?)-(\d{8}-\d{6}(?:-\d+)?)(?:\.\d+)?\.lanes$/;

/** The program a trace file belongs to and the recording it is part of. */
export function recordingOf(name: string): { program: string; recording: string } {
  const m = NAME.exec(name);
  if (m) return { program: m[1], recording: `${m[1]}-${m[2]}` };
  const stem = name.replace(/\.lanes$/, '');
  return { program: stem, recording: stem };
}

/** The `.lanes` files of `folder` (none when it does not exist). */
export function listTraceFiles(folder: string): TraceFileInfo[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const out: TraceFileInfo[] = [];
  for (const name of names) {
    if (!name.endsWith('.lanes')) continue;
    const file = join(folder, name);
    try {
      const st = statSync(file);
      if (st.isFile()) out.push({ file, size: st.size, mtimeMs: st.mtimeMs });
    } catch {
      // removed meanwhile
    }
  }
  return out;
}

/** Per program, its recordings newest first (each a list of files, the main process's first). */
export function recordingsByProgram(files: readonly TraceFileInfo[]): TraceFileInfo[][][] {
  const programs = new Map<string, Map<string, TraceFileInfo[]>>();
  for (const f of files) {
    const { program, recording } = recordingOf(basename(f.file));
    let recs = programs.get(program);
    if (!recs) programs.set(program, (recs = new Map()));
    const list = recs.get(recording);
    if (list) list.push(f);
    else recs.set(recording, [f]);
  }
  const newest = (r: TraceFileInfo[]) => Math.max(...r.map((f) => f.mtimeMs));
  return [...programs.values()].map((recs) =>
    [...recs.values()].map((r) => r.sort((a, b) => a.file.length - b.file.length || (a.file < b.file ? -1 : 1))).sort((a, b) => newest(b) - newest(a)),
  );
}
