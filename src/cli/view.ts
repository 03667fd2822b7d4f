// `async-lanes view FILE [--html OUT] [--port N] [--no-open]`

import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { TraceFormatError, parseTrace } from '../model/parser.js';
import { loadAssets, newNonce, renderPage, type ViewerAssets } from '../page/page.js';
import { startViewServer } from '../viewer/server.js';
import { optionValue, parseArgs } from './args.js';
import { CliError } from './errors.js';
import type { Io } from './io.js';
import { checkTraceFile, traceNotices } from '../files/trace-file.js';
import { openBrowser } from './open-browser.js';
import { singleFile } from './report.js';

export const VIEW_HELP = `Usage: async-lanes view FILE [--html OUT] [--port N] [--no-open]

Shows the trace as swimlanes in the browser. Serves the viewer on 127.0.0.1 only, prints the URL and opens
a browser when one is available; the view follows the file while the program is still writing it.
Stop it with Ctrl-C.

Options:
  --html OUT   instead of serving, write one self-contained HTML file (viewer and trace inlined) that
               opens offline in any browser
  --port N     serve on this port (default: a free one)
  --no-open    do not open a browser
  -h, --help   show this help
`;

export async function viewCommand(argv: string[], io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const args = parseArgs(argv, [
    { names: ['--html'], takesValue: true },
    { names: ['--port'], takesValue: true },
    { names: ['--no-open'], takesValue: false },
    { names: ['-h', '--help'], takesValue: false },
  ], 'view');
  if (args.options.has('help')) {
    io.out(VIEW_HELP);
    return 0;
  }
  const file = singleFile(args.positionals, 'view');
  checkTraceFile(file);
  const assets = bundle();
  const html = optionValue(args, 'html');
  if (html !== undefined) return writeHtml(file, html, assets, io);
  const portText = optionValue(args, 'port') ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port needs a port number, not "${portText}"`);
  let server;
  try {
    server = await startViewServer(file, assets, port);
  } catch (err) {
    throw new CliError(`cannot serve on 127.0.0.1:${port}: ${(err as Error).message}`);
  }
  io.out(`Async Lanes: viewing ${file} at ${server.url}  (Ctrl-C to stop)\n`);
  if (!args.options.has('no-open') && !openBrowser(server.url)) io.err('async-lanes: no browser to open here: open the URL above');
  await new Promise<void>((resolve) => {
    const stop = () => {
      signals.off('SIGINT', stop);
      signals.off('SIGTERM', stop);
      resolve();
    };
    signals.on('SIGINT', stop);
    signals.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

function bundle(): ViewerAssets {
  try {
    return loadAssets();
  } catch {
    throw new CliError('the viewer is not built yet: run "npm run build" in the async-lanes folder');
  }
}

function writeHtml(file: string, out: string, assets: ViewerAssets, io: Io): number {
  const text = readFileSync(file, 'utf8');
  try {
    for (const notice of traceNotices(parseTrace(text))) io.err(`async-lanes: notice: ${notice}`);
  } catch (err) {
    if (err instanceof TraceFormatError) throw new CliError(`${file}: ${err.message}`);
    throw err;
  }
  const page = renderPage({ title: basename(file), nonce: newNonce(), config: { source: { kind: 'inline', name: basename(file) } }, home: { kind: 'offline', assets, traceText: text } });
  try {
    writeFileSync(out, page);
  } catch (err) {
    throw new CliError(`cannot write "${out}": ${(err as Error).message}`);
  }
  io.err(`async-lanes: wrote ${out} — open it in any browser (it works offline)`);
  return 0;
}
