// `async-lanes view FILE [--from T] [--to T] [--html OUT] [--port N] [--no-open]`

import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { TraceFormatError, parseTrace } from '../model/parser.js';
import { parseWindow, WindowError, windowName } from '../model/time-window.js';
import { formatSize, TIMELINE_BUDGET_BYTES, tooBigText, windowCommand } from '../model/timeline-budget.js';
import { readTraceEnd } from '../files/trace-end-file.js';
import { readTraceWindow, windowProblem } from '../files/window-file.js';
import { loadAssets, newNonce, renderPage, type ViewerAssets } from '../page/page.js';
import { startViewServer } from '../viewer/server.js';
import { optionValue, parseArgs } from './args.js';
import { CliError } from './errors.js';
import type { Io } from './io.js';
import { checkTraceFile, traceNotices } from '../files/trace-file.js';
import { openBrowser } from './open-browser.js';
import { singleFile } from './report.js';

export const VIEW_HELP = `Usage: async-lanes view FILE [--from T] [--to T] [--html OUT] [--port N] [--no-open]

Shows the trace as swimlanes in the browser. Serves the viewer on 127.0.0.1 only, prints the URL and opens
a browser when one is available; the view follows the file while the program is still writing it.
Stop it with Ctrl-C.

The timeline holds traces up to ${formatSize(TIMELINE_BUDGET_BYTES)}; open a larger one as a time window.

Options:
  --from T     show only the time window from T (default: the start) ...
  --to T       ... to T (default: the end); times after the trace's start: 12.5s, 250ms, 2min, 1h,
               or a number of seconds. Tasks alive in the window stay as lanes, clipped to it; the
               window is read once (it does not follow a file still being written)
  --html OUT   instead of serving, write one self-contained HTML file (viewer and trace inlined) that
               opens offline in any browser
  --port N     serve on this port (default: a free one)
  --no-open    do not open a browser
  -h, --help   show this help
`;

export async function viewCommand(argv: string[], io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const args = parseArgs(argv, [
    { names: ['--html'], takesValue: true },
    { names: ['--from'], takesValue: true },
    { names: ['--to'], takesValue: true },
    { names: ['--port'], takesValue: true },
    { names: ['--no-open'], takesValue: false },
    { names: ['-h', '--help'], takesValue: false },
  ], 'view');
  if (args.options.has('help')) {
    io.out(VIEW_HELP);
    return 0;
  }
  const file = singleFile(args.positionals, 'view');
  const fromText = optionValue(args, 'from');
  const toText = optionValue(args, 'to');
  const span = fromText === undefined && toText === undefined ? null : timeWindow(fromText, toText);
  const portText = optionValue(args, 'port') ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port needs a port number, not "${portText}"`);
  const size = checkTraceFile(file).size;
  const assets = bundle();
  let window;
  if (span !== null) {
    const read = await readTraceWindow(file, span.from, span.to, TIMELINE_BUDGET_BYTES);
    const problem = windowProblem(read, span.from, TIMELINE_BUDGET_BYTES);
    if (problem !== null) throw new CliError(`${file}: ${problem}`);
    window = { text: read.text, name: windowName(basename(file), span.from, span.to) };
  }
  const html = optionValue(args, 'html');
  if (html !== undefined) {
    if (window === undefined && size > TIMELINE_BUDGET_BYTES) throw new CliError(`${file}: ${tooBigText(size, TIMELINE_BUDGET_BYTES, readTraceEnd(file, size))} For example: ${windowCommand(file)} --html ${html}`);
    return writeHtml(file, window ?? { text: readFileSync(file, 'utf8'), name: basename(file) }, html, assets, io);
  }
  let server;
  try {
    server = await startViewServer(file, assets, { port, window });
  } catch (err) {
    throw new CliError(`cannot serve on 127.0.0.1:${port}: ${(err as Error).message}`);
  }
  io.out(`Async Lanes: viewing ${window === undefined ? file : `${file} ${window.name.slice(basename(file).length + 1)}`} at ${server.url}  (Ctrl-C to stop)\n`);
  if (window === undefined && size > TIMELINE_BUDGET_BYTES) io.err(`async-lanes: notice: ${tooBigText(size, TIMELINE_BUDGET_BYTES, readTraceEnd(file, size))} For example: ${windowCommand(file)}`);
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

function timeWindow(fromText: string | undefined, toText: string | undefined): { from: number; to: number } {
  try {
    return parseWindow(fromText, toText);
  } catch (err) {
    if (err instanceof WindowError) throw new CliError(err.message);
    throw err;
  }
}

function writeHtml(file: string, trace: { text: string; name: string }, out: string, assets: ViewerAssets, io: Io): number {
  try {
    for (const notice of traceNotices(parseTrace(trace.text))) io.err(`async-lanes: notice: ${notice}`);
  } catch (err) {
    if (err instanceof TraceFormatError) throw new CliError(`${file}: ${err.message}`);
    throw err;
  }
  const page = renderPage({ title: trace.name, nonce: newNonce(), config: { source: { kind: 'inline', name: trace.name } }, home: { kind: 'offline', assets, traceText: trace.text } });
  try {
    writeFileSync(out, page);
  } catch (err) {
    throw new CliError(`cannot write "${out}": ${(err as Error).message}`);
  }
  io.err(`async-lanes: wrote ${out} — open it in any browser (it works offline)`);
  return 0;
}
