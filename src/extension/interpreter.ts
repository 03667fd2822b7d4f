// The Python interpreter to record with: asyncLanes.pythonPath, else the Python extension's selected interpreter
// (when that extension is installed), else python.defaultInterpreterPath, else python3.

import * as vscode from 'vscode';
import { chooseInterpreter } from '../launch/launch.js';
import type { Log } from './log.js';

interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined };
  settings?: { getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined } };
}

export async function pythonInterpreter(resource: vscode.Uri | undefined, override: string, log: Log): Promise<string> {
  const fromExtension = override.trim() === '' ? await selectedByPythonExtension(resource, log) : undefined;
  const defaultInterpreterPath = vscode.workspace.getConfiguration('python', resource).get<string>('defaultInterpreterPath');
  return chooseInterpreter({ override, pythonExtension: fromExtension, defaultInterpreterPath });
}

async function selectedByPythonExtension(resource: vscode.Uri | undefined, log: Log): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const active = api?.environments?.getActiveEnvironmentPath(resource)?.path;
    if (active) return active;
    return api?.settings?.getExecutionDetails(resource)?.execCommand?.[0];
  } catch (err) {
    log.warn(`the Python extension did not say which interpreter is selected (${(err as Error).message}); using the settings`);
    return undefined;
  }
}
