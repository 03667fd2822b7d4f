// Starts the Async Lanes language server (src/server, bundled to out/server.js, its own process over IPC) for Python,
// JavaScript and TypeScript files, and the client side of what it offers: a code lens's "show these tasks" opens the
// recording's timeline filtered to them; "Use Trace for Editor Insights" pins a trace (the one open in the
// timeline, or a .lanes file in the explorer) instead of the newest recording of each program.

import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { Log } from './log.js';
import { traceFolder } from './settings.js';
import type { Timeline } from './timeline.js';
import type { Timelines } from './timelines.js';

/** The server's notification (src/server/server.ts PIN_TRACE). */
const PIN_TRACE = 'asyncLanes/pinTrace';
/** How long a lens's click waits for the timeline to read the trace before filtering it. */
const REVEAL_WAIT_MS = 10_000;

export function startLanguageClient(context: vscode.ExtensionContext, timelines: Timelines, log: Log): vscode.Disposable[] {
  const module = context.asAbsolutePath('out/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  // The settings as the server takes them: the trace folder resolved as the extension resolves it (the workspace's,
  // or the extension's storage without a folder).
  const settings = () => ({ traceFolder: traceFolder(context), inlayHints: vscode.workspace.getConfiguration('asyncLanes').get<boolean>('inlayHints', false) });
  const clientOptions: LanguageClientOptions = {
    documentSelector: ['python', 'javascript', 'typescript', 'javascriptreact', 'typescriptreact'].map((language) => ({ scheme: 'file', language })),
    initializationOptions: settings(),
  };
  const client = new LanguageClient('asyncLanes', 'Async Lanes Language Server', serverOptions, clientOptions);
  client.start().catch((err: unknown) => log.error('language server', err));

  const pin = (file: string | null) => client.sendNotification(PIN_TRACE, { file }).catch((err: unknown) => log.error('pin trace', err));
  return [
    { dispose: () => void client.stop().catch(() => undefined) },
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('asyncLanes.traceFolder') && !e.affectsConfiguration('asyncLanes.inlayHints')) return;
      client.sendNotification('workspace/didChangeConfiguration', { settings: { asyncLanes: settings() } }).catch((err: unknown) => log.error('language server settings', err));
    }),
    vscode.commands.registerCommand('asyncLanes.showTasks', (arg: ShowTasksArg) => showTasks(timelines, arg, log)),
    vscode.commands.registerCommand('asyncLanes.pinTrace', (uri?: vscode.Uri) => {
      const file = uri?.fsPath ?? timelines.active?.file;
      if (file === undefined) void vscode.window.showInformationMessage('Async Lanes: open a trace in the timeline first, or pick a .lanes file.');
      else void pin(file);
    }),
    vscode.commands.registerCommand('asyncLanes.unpinTrace', () => void pin(null)),
  ];
}

/** A code lens's command argument (src/server/insights.ts codeLenses). */
interface ShowTasksArg {
  trace: string;
  taskIds: number[];
  /** The function, "fetch()", and how many tasks ran it (taskIds may hold only the first). */
  label?: string;
  total?: number;
}

/** Opens the trace's timeline filtered to the tasks, the first selected, once the timeline has read it. */
async function showTasks(timelines: Timelines, arg: ShowTasksArg, log: Log): Promise<void> {
  const first = arg?.taskIds?.[0];
  await timelines.openFile(vscode.Uri.file(arg.trace));
  if (first === undefined) return;
  // The timeline just opened (the active one), once it has read the task; another of the trace (a recording's
  // panel) only when that never comes.
  const hasTask = (v: Timeline | null | undefined) => (v && v.file === arg.trace && v.model.analyse()?.index.task(first) ? v : undefined);
  const ready = () => hasTask(timelines.active);
  const view = ready() ?? (await new Promise<Timeline | undefined>((done) => {
    const timer = setTimeout(() => finish(timelines.viewsOf(arg.trace).find(hasTask)), REVEAL_WAIT_MS);
    const sub = timelines.onDidChangeModel(() => {
      const v = ready();
      if (v) finish(v);
    });
    function finish(v: Timeline | undefined) {
      clearTimeout(timer);
      sub.dispose();
      done(v);
    }
  }));
  if (view) view.showTasks(arg.taskIds, arg.label ?? `${arg.taskIds.length} tasks`, arg.total ?? arg.taskIds.length);
  else log.info(`timeline: task ${first} of ${arg.trace} not found`);
}
