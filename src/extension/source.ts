// "Go to source": a trace's file:line opened in an editor beside the timeline, the line selected and highlighted.
// Trace paths are the program's: absolute, or relative to the directory it ran in (the header's cwd).

import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { Log } from './log.js';

const highlight = vscode.window.createTextEditorDecorationType({
  isWholeLine: true,
  backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
  overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.rangeHighlightForeground'),
  overviewRulerLane: vscode.OverviewRulerLane.Full,
});

/** The file on this machine that a trace's `file` names, or null. */
export function resolveSourcePath(file: string, cwd: string | null): string | null {
  const candidates = isAbsolute(file) ? [file] : [
    ...(cwd ? [join(cwd, file)] : []),
    ...(vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => join(f.uri.fsPath, file)),
  ];
  return candidates.find((c) => existsSync(c)) ?? null;
}

export class SourceNavigator implements vscode.Disposable {
  private highlighted: { editor: vscode.TextEditor } | null = null;

  constructor(private readonly log: Log) {}

  /** Opens `file` at 1-based `line`, in an editor group other than `besides` (the timeline's column). */
  async open(file: string, line: number, cwd: string | null, besides: vscode.ViewColumn | undefined): Promise<vscode.TextEditor | undefined> {
    const path = resolveSourcePath(file, cwd);
    if (path === null) {
      const message = `Async Lanes: cannot find the source file "${file}"${cwd ? ` (the program ran in ${cwd})` : ''} on this machine.`;
      this.log.warn(message);
      void vscode.window.showWarningMessage(message);
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
    const l = Math.max(0, Math.min(doc.lineCount - 1, Math.floor(line) - 1));
    const range = doc.lineAt(l).range;
    const other = vscode.window.visibleTextEditors.find((e) => e.viewColumn !== undefined && e.viewColumn !== besides);
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: other?.viewColumn ?? vscode.ViewColumn.Beside,
      selection: new vscode.Range(range.start, range.start),
      preserveFocus: false,
    });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    this.highlighted?.editor.setDecorations(highlight, []);
    editor.setDecorations(highlight, [range]);
    this.highlighted = { editor };
    this.log.info(`go to source: ${path}:${l + 1}`);
    return editor;
  }

  dispose(): void {
    highlight.dispose();
  }
}
