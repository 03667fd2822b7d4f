// The Async Lanes extension: wires the modules together (no logic of its own).

import * as vscode from 'vscode';
import { registerCommands } from './commands.js';
import { DebugRecorder } from './debug.js';
import { PauseView } from './debug-tasks.js';
import { AwaitDecorations, PauseDecorations } from './decorations.js';
import { Log } from './log.js';
import { Recordings } from './recordings.js';
import { traceFolder } from './settings.js';
import { startLanguageClient } from './language-client.js';
import { FindingsTree, RecordingsTree, TasksTree } from './sidebar.js';
import { SourceNavigator } from './source.js';
import { RecordingStatus } from './status.js';
import { Timelines } from './timelines.js';

export function activate(context: vscode.ExtensionContext): void {
  const log = new Log();
  const navigator = new SourceNavigator(log);
  const decorations = new AwaitDecorations();
  const timelines = new Timelines(context.extensionUri, log, navigator, decorations);
  const status = new RecordingStatus();
  const recordings = new Recordings(context.globalState, timelines, status, log);
  const recordingsTree = new RecordingsTree(recordings, () => traceFolder(context));
  const tasksTree = new TasksTree(timelines);
  const findingsTree = new FindingsTree(timelines);
  const pauseDecorations = new PauseDecorations();
  const pauseView = new PauseView(pauseDecorations, navigator, log);
  const debugRecorder = new DebugRecorder(context, log, timelines, recordings, pauseView);
  context.subscriptions.push(
    log, navigator, decorations, timelines, status, recordings, recordingsTree, tasksTree, findingsTree, pauseDecorations, pauseView, debugRecorder,
    ...Timelines.register(timelines),
    vscode.window.registerTreeDataProvider('asyncLanes.recordings', recordingsTree),
    vscode.window.createTreeView('asyncLanes.tasks', { treeDataProvider: tasksTree, showCollapseAll: true }),
    vscode.window.registerTreeDataProvider('asyncLanes.findings', findingsTree),
    ...registerCommands({ context, log, timelines, recordings, navigator, recordingsTree }),
    ...startLanguageClient(context, timelines, log),
  );
  status.update([]);
  log.info(`activated (VS Code ${vscode.version}, workspace ${vscode.workspace.isTrusted ? 'trusted' : 'not trusted'})`);
}
