// The `async-lanes` command line: record | report | export | view | lsp. Every expected failure is one `async-lanes: ...` line
// on stderr with exit code 2 (127 for a missing interpreter); ASYNC_LANES_DEBUG=1 adds the stack.

import { TraceFileError } from '../files/trace-file.js';
import { CliError } from './errors.js';
import { exportCommand, EXPORT_HELP } from './export.js';
import type { Io } from './io.js';
import { lspCommand, LSP_HELP } from './lsp.js';
import { recordCommand, RECORD_HELP } from './record.js';
import { reportCommand, REPORT_HELP } from './report.js';
import { packageVersion } from './version.js';
import { viewCommand, VIEW_HELP } from './view.js';

export const HELP = `Usage: async-lanes <command> [options]

See how your async program really ran.

Commands:
  record [-o FILE] -- PYTHON prog.py [args]   run a Python asyncio program and record a trace
  report FILE [--format text|json|sarif] [-o OUT] [--fail-on KINDS]
                                              summarise a trace: tasks, time split, findings
  export FILE [--format chrome] [-o OUT]      convert a trace for Perfetto / chrome://tracing
  view FILE [--html OUT]                      show the timeline in the browser (live while the file grows)
  lsp --stdio                                 the language server for any LSP editor (findings, hovers, lenses)

Run "async-lanes <command> --help" for a command's options.
`;

const COMMANDS: Record<string, { run: (argv: string[], io: Io) => Promise<number>; help: string }> = {
  record: { run: recordCommand, help: RECORD_HELP },
  report: { run: reportCommand, help: REPORT_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  view: { run: viewCommand, help: VIEW_HELP },
  lsp: { run: lspCommand, help: LSP_HELP },
};

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) throw new CliError(`name a command: ${Object.keys(COMMANDS).join(', ')} (see async-lanes --help)`);
  if (command === '-h' || command === '--help' || command === 'help') {
    io.out(command === 'help' && rest[0] && Object.prototype.hasOwnProperty.call(COMMANDS, rest[0]) ? COMMANDS[rest[0]].help : HELP);
    return 0;
  }
  if (command === '--version' || command === '-V') {
    io.out(`async-lanes ${packageVersion()}\n`);
    return 0;
  }
  const cmd = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!cmd) throw new CliError(`unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(', ')}; see async-lanes --help)`);
  return cmd.run(rest, io);
}

/** Entry point for bin/async-lanes.js. */
export function run(argv: string[] = process.argv.slice(2)): void {
  // `async-lanes report x | head` closes stdout early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  const io: Io = {
    out: (text) => void process.stdout.write(text),
    err: (line) => void process.stderr.write(line + '\n'),
  };
  main(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const debug = process.env.ASYNC_LANES_DEBUG === '1';
      const message = err instanceof Error ? err.message : String(err);
      const expected = err instanceof CliError || err instanceof TraceFileError;
      io.err(`async-lanes: ${expected ? message : `internal error: ${message}`}`);
      if (debug && err instanceof Error && err.stack) io.err(err.stack);
      process.exitCode = err instanceof CliError ? err.exitCode : expected ? 2 : 70;
    },
  );
}
