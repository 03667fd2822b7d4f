// The commands: record the current file or a command line, open (a whole trace or a time window of it), export,
// stop; and the side panel's clicks.

import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { exportChromeJson } from './export.js';
import { readTraceWindow, windowProblem } from '../files/window-file.js';
import { parseTime, windowName } from '../model/time-window.js';
import { TIMELINE_BUDGET_BYTES } from '../model/timeline-budget.js';
import { pythonInterpreter } from './interpreter.js';
import { interpreterFor, launchCommand, launchFile, LaunchError, programStem, runtimeOfFile, splitCommandLine, traceFileName, type RecordOptions } from '../launch/launch.js';
import type { Log } from './log.js';
import type { Recordings } from './recordings.js';
import { readSettings, traceFolder } from './settings.js';
import type { RecordingsTree } from './sidebar.js';
import type { SourceNavigator } from './source.js';
import type { Timelines } from './timelines.js';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  log: Log;
  timelines: Timelines;
  recordings: Recordings;
  navigator: SourceNavigator;
  recordingsTree: RecordingsTree;
}

const UNTRUSTED_MESSAGE = 'Async Lanes: recording runs the program, and this workspace is not trusted. Trust the workspace to record; opening trace files works without trust.';

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const { context, log, timelines, recordings } = d;

  /** Recording runs code: only in a trusted workspace. */
  const trusted = (): boolean => {
    if (vscode.workspace.isTrusted) return true;
    log.warn('recording refused: the workspace is not trusted');
    void vscode.window.showErrorMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return false;
  };

  const options = (scope: vscode.Uri | undefined, stem: string, cwd: string): RecordOptions => {
    const s = readSettings(scope);
    const folder = traceFolder(context, scope);
    return {
      traceFile: join(folder, traceFileName(stem, new Date(), (name) => existsSync(join(folder, name)))),
      blockThresholdMs: s.blockThresholdMs,
      packageRoot: context.extensionUri.fsPath,
      env: process.env,
      cwd,
      outputToPipe: true,
    };
  };

  const fail = (err: unknown, what: string) => {
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof LaunchError)) log.error(what, err);
    void vscode.window.showErrorMessage(message.startsWith('Async Lanes') ? message : `Async Lanes: ${message}`);
  };

  async function recordCurrentFile(uri?: vscode.Uri): Promise<void> {
    if (!trusted()) return;
    try {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target || target.scheme !== 'file') throw new LaunchError('Open the Python, JavaScript or TypeScript file to record first (a file saved on disk).');
      const runtime = runtimeOfFile(target.fsPath);
      const doc = vscode.workspace.textDocuments.find((t) => t.uri.toString() === target.toString());
      if (doc?.isDirty) await doc.save();
      const settings = readSettings(target);
      const interpreter = await interpreterFor(runtime, { python: () => pythonInterpreter(target, settings.pythonPath, log), nodePath: settings.nodePath });
      const cwd = vscode.workspace.getWorkspaceFolder(target)?.uri.fsPath ?? dirname(target.fsPath);
      const o = options(target, programStem([interpreter, target.fsPath]), cwd);
      const launch = launchFile(target.fsPath, interpreter, [], o);
      recordings.start(basename(target.fsPath), launch, o.traceFile, cwd);
    } catch (err) {
      fail(err, 'record current file');
    }
  }

  async function recordCommand(): Promise<void> {
    if (!trusted()) return;
    const line = await vscode.window.showInputBox({
      title: 'Async Lanes: Record Command',
      prompt: 'The command line to record; it runs in the workspace folder',
      placeHolder: 'python3 app.py --port 8080 · node server.js · npm test',
      value: context.workspaceState.get<string>('asyncLanes.lastCommand', ''),
      ignoreFocusOut: true,
    });
    if (line === undefined || line.trim() === '') return;
    try {
      const argv = splitCommandLine(line);
      const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
      const cwd = folder?.uri.fsPath ?? process.cwd();
      const o = options(folder?.uri, programStem(argv), cwd);
      const launch = launchCommand(argv, o);
      void context.workspaceState.update('asyncLanes.lastCommand', line);
      recordings.start(argv.slice(0, 3).map((a) => basename(a)).join(' '), launch, o.traceFile, cwd);
    } catch (err) {
      fail(err, 'record command');
    }
  }

  async function openTrace(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      title: 'Open an Async Lanes trace',
      canSelectMany: false,
      filters: { 'Async Lanes traces': ['lanes'], 'All files': ['*'] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    if (picked?.[0]) await openRecent(picked[0]);
  }

  async function openRecent(uri: vscode.Uri): Promise<void> {
    if (uri.scheme === 'file' && !existsSync(uri.fsPath)) {
      void vscode.window.showWarningMessage(`Async Lanes: ${uri.fsPath} no longer exists.`);
      return;
    }
    const shown = uri.scheme === 'file' ? timelines.viewsOf(uri.fsPath)[0] : undefined;
    if (shown) shown.panel.reveal();
    else await timelines.openFile(uri);
    if (uri.scheme === 'file') recordings.remember(uri.fsPath);
  }

  /** The trace a command is about: the one it was given, else the active timeline's, else one the user picks. */
  async function traceOf(uri: vscode.Uri | undefined, title: string): Promise<string | undefined> {
    const given = uri instanceof vscode.Uri ? uri.fsPath : timelines.active?.file;
    if (given !== undefined) return given;
    const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: { 'Async Lanes traces': ['lanes'] } });
    return picked?.[0]?.fsPath;
  }

  /** Asks for a time after the trace's start; undefined when cancelled (empty: `empty`). */
  async function askTime(prompt: string, value: string, empty: string): Promise<number | undefined> {
    const text = await vscode.window.showInputBox({
      title: 'Async Lanes: Open Time Window',
      prompt,
      value,
      placeHolder: `12.5s, 250ms, 2min (empty: ${empty})`,
      ignoreFocusOut: true,
      validateInput: (t) => (t.trim() === '' || parseTime(t) !== null ? null : 'A time after the trace\'s start, like 12.5s, 250ms or 2min'),
    });
    if (text === undefined) return undefined;
    return text.trim() === '' ? (empty === 'the start' ? 0 : Number.MAX_SAFE_INTEGER) : parseTime(text)!;
  }

  async function openTimeWindow(uri?: vscode.Uri): Promise<void> {
    const file = await traceOf(uri, 'Open a time window of which trace?');
    if (file === undefined) return;
    const from = await askTime(`From: the window's start, after the start of ${basename(file)}`, '0s', 'the start');
    if (from === undefined) return;
    const to = await askTime('To: the window\'s end', '', 'the end');
    if (to === undefined) return;
    if (to <= from) {
      void vscode.window.showErrorMessage('Async Lanes: the window\'s end must be later than its start.');
      return;
    }
    try {
      const read = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Async Lanes: reading a time window of ${basename(file)}…` },
        () => readTraceWindow(file, from, to, TIMELINE_BUDGET_BYTES),
      );
      const problem = windowProblem(read, from, TIMELINE_BUDGET_BYTES);
      if (problem !== null) {
        void vscode.window.showErrorMessage(`Async Lanes: ${basename(file)}: ${problem}.`);
        return;
      }
      timelines.openWindow(file, { text: read.text, name: windowName(basename(file), from, to) });
    } catch (err) {
      fail(err, 'open time window');
    }
  }

  async function exportTrace(uri?: vscode.Uri): Promise<void> {
    const source = await traceOf(uri, 'Export which trace?');
    if (source === undefined) return;
    const target = await vscode.window.showSaveDialog({
      title: 'Export as Chrome / Perfetto JSON',
      defaultUri: vscode.Uri.file(source.replace(/\.lanes$/, '') + '.json'),
      filters: { 'Chrome Trace JSON': ['json'] },
    });
    if (!target) return;
    try {
      const events = await exportChromeJson(source, target.fsPath);
      log.info(`export: ${source} → ${target.fsPath} (${events} events)`);
      void vscode.window.showInformationMessage(`Async Lanes: exported ${events} events to ${basename(target.fsPath)} — open it in ui.perfetto.dev or chrome://tracing.`);
    } catch (err) {
      fail(err, 'export');
    }
  }

  function revealTask(taskId: number): void {
    const view = timelines.active;
    const task = view?.model.analyse()?.index.task(taskId);
    if (!view || !task) return;
    view.reveal(taskId);
    if (task.site) timelines.openSource(view, task.site.file, task.site.line);
  }

  function revealFinding(i: number): void {
    const view = timelines.active;
    const f = view?.model.analyse()?.findings[i];
    if (!view || !f) return;
    view.reveal(f.taskId, f.time);
    if (f.file !== null && f.line !== null) timelines.openSource(view, f.file, f.line);
  }

  const register = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn);
  return [
    register('asyncLanes.recordCurrentFile', recordCurrentFile),
    register('asyncLanes.recordCommand', recordCommand),
    register('asyncLanes.openTrace', openTrace),
    register('asyncLanes.openRecent', openRecent),
    register('asyncLanes.openTimeWindow', openTimeWindow),
    register('asyncLanes.exportTrace', exportTrace),
    register('asyncLanes.stopRecording', () => recordings.stop()),
    register('asyncLanes.revealTask', revealTask),
    register('asyncLanes.revealFinding', revealFinding),
    register('asyncLanes.refreshRecordings', () => d.recordingsTree.reload()),
    register('asyncLanes.showLog', () => log.show()),
  ];
}
