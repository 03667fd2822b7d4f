// Reading a trace file for the CLI, with one clear message for every way it can fail.

import { createReadStream, statSync } from 'node:fs';
import { TraceFormatError, TraceParser } from '../model/parser.js';
import type { TraceData } from '../model/types.js';
import { CliError } from './errors.js';

export async function loadTrace(file: string): Promise<TraceData> {
  let isDir: boolean;
  try {
    isDir = statSync(file).isDirectory();
  } catch (err) {
    throw new CliError(`cannot read "${file}": ${reason(err)}`);
  }
  if (isDir) throw new CliError(`"${file}" is a directory, not a trace file`);
  const parser = new TraceParser();
  try {
    // Streamed so that a large (or wrong, huge) file is rejected or read without holding it twice in memory.
    for await (const chunk of createReadStream(file, { encoding: 'utf8' })) parser.push(chunk as string);
    return parser.end();
  } catch (err) {
    if (err instanceof TraceFormatError) throw new CliError(`${file}: ${err.message}`);
    throw new CliError(`cannot read "${file}": ${reason(err)}`);
  }
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return err instanceof Error ? err.message : String(err);
}

/** Notices about a damaged or cut-off trace, for stderr. */
export function traceNotices(data: TraceData): string[] {
  const out = [...data.notices];
  if (data.skipped > 0) {
    out.push(`${data.skipped} damaged line${data.skipped === 1 ? '' : 's'} skipped (the first is line ${data.firstSkippedLine})`);
  }
  if (data.truncated) out.push('the trace ends mid-record (the program was killed or is still writing); the last line was dropped');
  return out;
}
