// `async-lanes export FILE [--format chrome] [-o OUT]`

import { closeSync, openSync, writeSync } from 'node:fs';
import { streamChromeTrace } from '../exporters/chrome-stream.js';
import type { TraceMeta } from '../model/index.js';
import { optionValue, parseArgs } from './args.js';
import { CliError } from './errors.js';
import type { Io } from './io.js';
import { streamTraceFile, traceNotices } from '../files/trace-file.js';
import type { TraceStream } from '../model/stream.js';
import { singleFile } from './report.js';

export const EXPORT_HELP = `Usage: async-lanes export FILE [--format chrome] [-o OUT]

Converts a trace for other tools.

Options:
  --format chrome   Chrome Trace Event JSON, opened by https://ui.perfetto.dev and chrome://tracing
                    (the default and, for now, the only format)
  -o, --output OUT  where to write (default: FILE with a .json extension; "-" for stdout)
  -h, --help        show this help

The trace is read twice (first its tasks and findings, then its steps, written as they are read), in
memory that grows with its tasks, not its length. The events are the same as the viewer's export, but
in the order they are read (tracks interleaved, wake arrows numbered in that order), not grouped by
track: Perfetto and chrome://tracing sort them.
`;

export async function exportCommand(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, [
    { names: ['--format'], takesValue: true },
    { names: ['-o', '--output'], takesValue: true },
    { names: ['-h', '--help'], takesValue: false },
  ], 'export');
  if (args.options.has('help')) {
    io.out(EXPORT_HELP);
    return 0;
  }
  const format = optionValue(args, 'format') ?? 'chrome';
  if (format !== 'chrome') throw new CliError(`unknown export format "${format}" (supported: chrome)`);
  const file = singleFile(args.positionals, 'export');
  const out = optionValue(args, 'output') ?? file.replace(/\.lanes$/, '') + '.json';
  let fd: number | undefined;
  try {
    if (out !== '-') fd = openSync(out, 'w');
  } catch (err) {
    throw new CliError(`cannot write "${out}": ${(err as Error).message}`);
  }
  try {
    const read = (stream: TraceStream) => streamTraceFile(file, stream);
    const notices = (meta: TraceMeta) => {
      for (const notice of traceNotices(meta)) io.err(`async-lanes: notice: ${notice}`);
    };
    await streamChromeTrace(read, (text) => {
      if (fd === undefined) io.out(text);
      else {
        try {
          writeSync(fd, text);
        } catch (err) {
          throw new CliError(`cannot write "${out}": ${(err as Error).message}`);
        }
      }
    }, notices);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (out !== '-') io.err(`async-lanes: wrote ${out} — open it in https://ui.perfetto.dev or chrome://tracing`);
  return 0;
}
