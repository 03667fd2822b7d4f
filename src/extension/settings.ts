// The extension's settings (package.json contributes.configuration, "asyncLanes.*") and where traces are saved.

import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_BLOCK_THRESHOLD_MS } from '../model/finding-kinds.js';

export interface Settings {
  /** The recorder's blocked-loop threshold in ms. */
  blockThresholdMs: number;
  /** The Python interpreter to record with; blank: the one the user chose for Python. */
  pythonPath: string;
  /** The node executable to record JavaScript and TypeScript files with; blank: node from PATH. */
  nodePath: string;
  /** Where recordings go; blank: the workspace's .async-lanes folder. */
  traceFolder: string;
  /** Keep the end of a live recording in view. */
  followLive: boolean;
  /** Run Node debug sessions (launch configurations) under the recorder; `"asyncLanes"` in a configuration decides
   * for that one. */
  recordDebugSessions: boolean;
}

export function readSettings(scope?: vscode.Uri): Settings {
  const c = vscode.workspace.getConfiguration('asyncLanes', scope);
  const threshold = c.get<number>('blockThresholdMs', DEFAULT_BLOCK_THRESHOLD_MS);
  return {
    blockThresholdMs: Number.isFinite(threshold) && threshold > 0 ? threshold : DEFAULT_BLOCK_THRESHOLD_MS,
    pythonPath: c.get<string>('pythonPath', '') ?? '',
    nodePath: c.get<string>('nodePath', '') ?? '',
    traceFolder: c.get<string>('traceFolder', '') ?? '',
    followLive: c.get<boolean>('followLive', true) ?? true,
    recordDebugSessions: c.get<boolean>('recordDebugSessions', false) ?? false,
  };
}

/** The folder for new recordings: the setting (relative to the workspace folder), else the workspace's
 * .async-lanes/, else the extension's global storage when no folder is open. */
export function traceFolder(context: vscode.ExtensionContext, scope?: vscode.Uri): string {
  const folder = (scope && vscode.workspace.getWorkspaceFolder(scope)) ?? vscode.workspace.workspaceFolders?.[0];
  const setting = readSettings(scope).traceFolder.trim();
  const base = folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
  if (setting !== '') {
    if (isAbsolute(setting)) return setting;
    return join(base ?? context.globalStorageUri.fsPath, setting);
  }
  return base !== undefined ? join(base, '.async-lanes') : join(context.globalStorageUri.fsPath, 'traces');
}
