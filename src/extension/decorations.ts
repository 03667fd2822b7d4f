// Editor decorations: notes at the end of source lines, in every visible editor of their file. For the task selected
// in a timeline (AwaitDecorations: each await site with its wait count, total and longest wait), and while a debugger
// is paused (PauseDecorations: each suspended task at its await line, what it waits on and for how long).

import * as vscode from 'vscode';
import { formatDuration } from '../model/format.js';
import { taskTitle } from '../model/task-label.js';
import type { TaskInfo } from '../model/index.js';
import { resolveSourcePath } from './source.js';

export interface LineNote {
  path: string;
  /** 0-based. */
  line: number;
  text: string;
  hover: string;
}

/** One decoration type and its notes, re-applied when editors become visible. */
class LineNotes implements vscode.Disposable {
  private readonly type: vscode.TextEditorDecorationType;
  private notes: LineNote[] = [];
  private readonly subscription = vscode.window.onDidChangeVisibleTextEditors(() => this.apply());

  constructor(options: vscode.DecorationRenderOptions) {
    this.type = vscode.window.createTextEditorDecorationType(options);
  }

  set(notes: LineNote[]): void {
    this.notes = notes;
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

export class AwaitDecorations implements vscode.Disposable {
  private readonly notes = new LineNotes({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightBackground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.infoForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
  });

  /** Shows `task`'s await sites (null: clears them). */
  show(task: TaskInfo | null, cwd: string | null): void {
    const notes: LineNote[] = [];
    for (const a of task?.awaits ?? []) {
      if (!a.site) continue;
      const path = resolveSourcePath(a.site.file, cwd);
      if (path === null) continue;
      const kinds = a.kinds.join(', ');
      const text = `${taskTitle(task!)}: awaited ${a.count}× (${kinds}) · total ${formatDuration(a.totalNs)} · max ${formatDuration(a.maxNs)}`;
      const hover = `**Async Lanes** — ${taskTitle(task!)} waited here ${a.count} time${a.count === 1 ? '' : 's'} on ${kinds}: ${formatDuration(a.totalNs)} in all, ${formatDuration(a.maxNs)} at most.`;
      notes.push({ path, line: a.site.line - 1, text, hover });
    }
    this.notes.set(notes);
  }

  dispose(): void {
    this.notes.dispose();
  }
}

/** The debugger's pause: one note per line, the tasks suspended there joined. */
export class PauseDecorations implements vscode.Disposable {
  private readonly notes = new LineNotes({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.stackFrameHighlightBackground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.warningForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
  });

  /** Shows these notes (several on one line are joined); [] clears them. */
  show(notes: LineNote[]): void {
    const byLine = new Map<string, LineNote>();
    for (const n of notes) {
      const key = `${n.line}:${n.path}`;
      const same = byLine.get(key);
      byLine.set(key, same ? { ...same, text: `${same.text}   ${n.text}`, hover: `${same.hover}\n\n${n.hover}` } : n);
    }
    this.notes.set([...byLine.values()]);
  }

  dispose(): void {
    this.notes.dispose();
  }
}
