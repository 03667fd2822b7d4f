// `async-lanes report FILE [--format text|json|sarif] [-o OUT] [--fail-on KIND[,KIND]]`

import { FINDING_KINDS, isFindingKind, type FindingKind } from '../model/finding-kinds.js';
import { findFindings } from '../model/findings.js';
import { callbackEntry, findingEntry, futureEntry, loopEntry, metaEntry, taskEntry, workEntry } from '../model/report.js';
import { TraceStream, type StreamHooks, type StreamView } from '../model/stream.js';
import { optionValue, parseArgs } from './args.js';
import { CliError } from './errors.js';
import { HeapKeeper, streamTraceFile, traceNotices } from '../files/trace-file.js';
import { SortedSpool, Spool } from '../files/spool.js';
import { reportLines } from './text.js';
import type { Io } from './io.js';
import { jsonChunks } from '../files/json.js';
import { sarifLog } from '../exporters/sarif.js';
import { outputTo } from './output.js';
import { packageVersion } from './version.js';

export const REPORT_HELP = `Usage: async-lanes report FILE [--format text|json|sarif] [-o OUT] [--fail-on KIND[,KIND...]]

Summarises a recorded trace: the program run, one row per task (state, total, busy, idle and
scheduled time, steps, where it was created), then the findings as file:line  kind  message.

The trace is read in one pass, in memory that grows with its tasks, not its length (a 1 GB trace:
see the README). --json's lists of every callback, executor work item and future are kept in a
temporary file meanwhile (in $TMPDIR, removed at the end).

Options:
  --format text|json|sarif
                         text (the default); json: the report as JSON (stable field names, times in
                         ns); sarif: the findings as SARIF 2.1.0 for GitHub code scanning and SARIF
                         viewers (files under the trace's working directory relative to SRCROOT)
  --json                 the same as --format json
  -o, --output OUT       write to OUT instead of stdout (not created when the trace cannot be read)
  --fail-on KIND[,KIND]  exit 1 when findings of these kinds exist; kinds: ${FINDING_KINDS.slice(0, 2).map((k) => k.kind).join(', ')},
                         ${FINDING_KINDS.slice(2).map((k) => k.kind).join(', ')} (or "any")
  -h, --help             show this help
`;

const KINDS: FindingKind[] = FINDING_KINDS.map((k) => k.kind);

export async function reportCommand(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, [
    { names: ['--format'], takesValue: true },
    { names: ['--json'], takesValue: false },
    { names: ['-o', '--output'], takesValue: true },
    { names: ['--fail-on'], takesValue: true },
    { names: ['-h', '--help'], takesValue: false },
  ], 'report');
  if (args.options.has('help')) {
    io.out(REPORT_HELP);
    return 0;
  }
  const failOn = parseKinds(optionValue(args, 'fail-on'));
  const file = singleFile(args.positionals, 'report');
  let findings;
  const format = reportFormat(optionValue(args, 'format'), args.options.has('json'));
  const json = format === 'json';
  const output = optionValue(args, 'output');
  const out = outputTo(output, io);
  const tasks = json ? new SortedSpool() : null;
  const futures = json ? new SortedSpool() : null;
  const callbacks = json ? new Spool() : null;
  const work = json ? new Spool() : null;
  try {
    let view: StreamView | undefined;
    const hooks: StreamHooks = json
      ? {
          task: (t) => tasks!.add(t.created, t.id, JSON.stringify(taskEntry(view!, t))),
          future: (f, key) => futures!.add(key, 0, JSON.stringify(futureEntry(f))),
          callback: (c) => callbacks!.add(JSON.stringify(callbackEntry(c))),
          work: (w) => work!.add(JSON.stringify(workEntry(w))),
        }
      : {};
    const stream = new TraceStream(hooks, { keepTallies: false });
    view = stream.view;
    // The same bound on the heap while the report is made as while the trace is read (a row per task).
    const heap = new HeapKeeper();
    await streamTraceFile(file, stream, heap);
    for (const notice of traceNotices(view.meta)) io.err(`async-lanes: notice: ${notice}`);
    findings = findFindings(view);
    if (json) {
      const report = {
        tasks: tasks!.items(),
        futures: futures!.items(),
        callbacks: callbacks!.items(),
        findings: findings.map(findingEntry),
        work: work!.items(),
        loops: view.loops.map(loopEntry),
        meta: metaEntry(view.meta),
      };
      for (const chunk of jsonChunks(report)) out.write(chunk);
    } else if (format === 'sarif') {
      out.write(JSON.stringify(sarifLog(view, findings, { version: packageVersion() }), null, 2) + '\n');
    } else {
      // Written in pieces as the lines come: a row per task, which a large trace has hundreds of thousands of.
      let text = '';
      for (const line of reportLines(view, findings)) {
        text += line + '\n';
        if (text.length >= 1 << 16) {
          out.write(text);
          text = '';
          heap.check();
        }
      }
      if (text !== '') out.write(text);
    }
  } finally {
    out.close();
    tasks?.dispose();
    futures?.dispose();
    callbacks?.dispose();
    work?.dispose();
  }
  if (output !== undefined && output !== '-') io.err(`async-lanes: wrote ${output}`);
  const failing = findings.filter((f) => failOn.has(f.kind));
  if (failing.length > 0) {
    io.err(`async-lanes: ${failing.length} finding${failing.length === 1 ? '' : 's'} of kind ${[...new Set(failing.map((f) => f.kind))].join(', ')}`);
    return 1;
  }
  return 0;
}

function reportFormat(format: string | undefined, json: boolean): 'text' | 'json' | 'sarif' {
  if (format === undefined) return json ? 'json' : 'text';
  if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new CliError(`unknown report format "${format}" (formats: text, json, sarif)`);
  if (json && format !== 'json') throw new CliError(`--json and --format ${format} disagree: give one`);
  return format;
}

function parseKinds(value: string | undefined): Set<FindingKind> {
  if (value === undefined) return new Set();
  const kinds = value.split(',').map((k) => k.trim()).filter(Boolean);
  if (kinds.includes('any')) return new Set(KINDS);
  for (const k of kinds) {
    if (!isFindingKind(k)) throw new CliError(`unknown finding kind "${k}" for --fail-on (kinds: ${KINDS.join(', ')}, any)`);
  }
  if (kinds.length === 0) throw new CliError('option --fail-on needs a kind');
  return new Set(kinds as FindingKind[]);
}

/** The one trace file a command takes. */
export function singleFile(positionals: string[], command: string): string {
  if (positionals.length === 0) throw new CliError(`${command}: name the trace file (see: async-lanes ${command} --help)`);
  if (positionals.length > 1) throw new CliError(`${command}: one trace file expected, got ${positionals.length} arguments`);
  return positionals[0];
}
