// Editor decorations for the task selected in a timeline: each of its await sites gets the number of waits there and
// the total and longest wait, at the end of the line, in every visible editor of that file.

import * as vscode from 'vscode';
import { formatDuration } from '../model/format.js';
import { taskTitle } from '../model/task-label.js';
import type { TaskInfo } from '../model/index.js';
import { resolveSourcePath } from './source.js';

interface LineNote {
  path: string;
  line: number;
  text: string;
  hover: string;
}

export class AwaitDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightBackground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.infoForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
  });
  private notes: LineNote[] = [];
  private readonly subscription = vscode.window.onDidChangeVisibleTextEditors(() => this.apply());

  /** Shows `task`'s await sites (null: clears them). */
  show(task: TaskInfo | null, cwd: string | null): void {
    this.notes = [];
    for (const a of task?.awaits ?? []) {
      if (!a.site) continue;
      const path = resolveSourcePath(a.site.file, cwd);
      if (path === null) continue;
      const kinds = a.kinds.join(', ');
      const text = `${taskTitle(task!)}: awaited ${a.count}× (${kinds}) · total ${formatDuration(a.totalNs)} · max ${formatDuration(a.maxNs)}`;
      const hover = `**Async Lanes** — ${taskTitle(task!)} waited here ${a.count} time${a.count === 1 ? '' : 's'} on ${kinds}: ${formatDuration(a.totalNs)} in all, ${formatDuration(a.maxNs)} at most.`;
      this.notes.push({ path, line: a.site.line - 1, text, hover });
    }
    this.apply();
  }

  private apply(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const path = editor.document.uri.scheme === 'file' ? editor.document.uri.fsPath : null;
      const here = this.notes.filter((n) => n.path === path && n.line >= 0 && n.line < editor.document.lineCount);
      editor.setDecorations(this.type, here.map((n) => ({
        range: editor.document.lineAt(n.line).range,
        hoverMessage: new vscode.MarkdownString(n.hover),
        renderOptions: { after: { contentText: n.text } },
      })));
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.type.dispose();
  }
}
