// `async-lanes lsp --stdio`: the language server (src/server) for any LSP editor, over stdin/stdout.

import { CliError } from './errors.js';
import { optionValue, parseArgs } from './args.js';
import type { Io } from './io.js';

export const LSP_HELP = `Usage: async-lanes lsp --stdio [--trace-folder DIR]

Runs the Async Lanes language server over stdin/stdout for any LSP editor (Neovim, Helix, Emacs...): the findings
of the workspace's recordings as diagnostics, hovers with the wait figures on await lines, code lenses above the
async functions that ran, inlay hints (the "inlayHints" setting) and quick fixes.

It reads the newest recording of each program in the trace folder and reads again when a recording lands.

Options:
  --stdio              speak LSP on stdin/stdout (the only transport here)
  --trace-folder DIR   where the recordings are (default: the workspace's .async-lanes folder); the client's
                       "traceFolder" initialization option or setting overrides it
  -h, --help           show this help
`;

export async function lspCommand(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, [
    { names: ['--stdio'], takesValue: false },
    { names: ['--trace-folder'], takesValue: true },
    { names: ['-h', '--help'], takesValue: false },
  ], 'lsp');
  if (args.options.has('help')) {
    io.out(LSP_HELP);
    return 0;
  }
  if (!args.options.has('stdio')) throw new CliError('lsp needs --stdio (the language server speaks LSP on stdin/stdout)');
  if (args.positionals.length > 0) throw new CliError(`lsp takes no file ("${args.positionals[0]}")`);
  // Loaded here, not at the CLI's start: the other commands do not need the LSP libraries.
  const [{ createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter }, { startServer }] = await Promise.all([
    import('vscode-languageserver/node.js'),
    import('../server/server.js'),
  ]);
  const traceFolder = optionValue(args, 'trace-folder');
  startServer(createConnection(ProposedFeatures.all, new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout)), traceFolder === undefined ? {} : { traceFolder });
  // The server ends the process on the client's `exit`; a client that just closes stdin ends it too.
  return new Promise((done) => process.stdin.on('close', () => done(0)));
}
