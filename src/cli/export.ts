// `async-lanes export FILE [--format chrome] [-o OUT]`

import { closeSync, openSync, writeSync } from 'node:fs';
import { toChromeTrace } from '../exporters/chrome.js';
import { TraceIndex } from '../model/index.js';
import { optionValue, parseArgs } from './args.js';
import { CliError } from './errors.js';
import type { Io } from './io.js';
import { jsonChunks } from './json.js';
import { loadTraceFile, traceNotices } from '../files/trace-file.js';
import { singleFile } from './report.js';

export const EXPORT_HELP = `Usage: async-lanes export FILE [--format chrome] [-o OUT]

Converts a trace for other tools.

Options:
  --format chrome   Chrome Trace Event JSON, opened by https://ui.perfetto.dev and chrome://tracing
                    (the default and, for now, the only format)
  -o, --output OUT  where to write (default: FILE with a .json extension; "-" for stdout)
  -h, --help        show this help
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
  const data = await loadTraceFile(file);
  for (const notice of traceNotices(data)) io.err(`async-lanes: notice: ${notice}`);
  const trace = toChromeTrace(new TraceIndex(data));
  if (out === '-') {
    for (const chunk of jsonChunks(trace)) io.out(chunk);
    return 0;
  }
  let fd: number | undefined;
  try {
    fd = openSync(out, 'w');
    for (const chunk of jsonChunks(trace)) writeSync(fd, chunk);
  } catch (err) {
    throw new CliError(`cannot write "${out}": ${(err as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  io.err(`async-lanes: wrote ${out} — open it in https://ui.perfetto.dev or chrome://tracing`);
  return 0;
}

