// What a debugger pause shows (debug.ts computes it): the Tasks view in Run and Debug — every task under its parent,
// the one at the breakpoint first and highlighted, each with its state there (running, waiting on what at which line
// and for how long, scheduled, finished) and the tasks it awaits — and a note at each suspended task's await line in
// the editor. Each debug session keeps its own pause; the active session's is shown.

import { basename } from 'node:path';
import * as vscode from 'vscode';
import { formatDuration } from '../model/format.js';
import type { TraceIndex } from '../model/index.js';
import type { TaskAtInstant } from '../model/pause-state.js';
import { taskLabelOf, taskTitle } from '../model/task-label.js';
import type { LineNote, PauseDecorations } from './decorations.js';
import type { SourceNavigator } from './source.js';
import { resolveSourcePath } from './source.js';
import type { Log } from './log.js';

export interface Pause {
  /** The root session (js-debug's parent of the process sessions). */
  session: vscode.DebugSession;
  index: TraceIndex;
  states: TaskAtInstant[];
  tree: Map<number | null, number[]>;
  atBreakpoint: number | null;
  /** The pause instant on the trace's clock. */
  t: number;
  cwd: string | null;
}

export const PAUSE_VIEW_ID = 'asyncLanes.debugTasks';
const OPEN_COMMAND = 'asyncLanes.openPausedTask';

const ICONS: Record<TaskAtInstant['state'], [string, string]> = {
  running: ['play', 'debugIcon.continueForeground'],
  waiting: ['watch', 'charts.purple'],
  scheduled: ['debug-step-over', 'charts.blue'],
  finished: ['pass', 'testing.iconPassed'],
};
const OUTCOME_TEXT: Record<string, string> = { ok: 'finished', error: 'failed', cancelled: 'cancelled', pending: 'finished' };

/** "fetchItem · task 3": what runs there, then the runtime's automatic name. */
function shortLabel(index: TraceIndex, id: number): string {
  const task = index.task(id);
  if (!task) return `task #${id}`;
  const l = taskLabelOf(task);
  return l.autoName === null ? l.text : `${l.text} · ${l.autoName}`;
}

/** The state in words: "waiting 2.3 s on sleep", "running", "scheduled 4 ms (after sleep)", "failed". */
export function stateText(s: TaskAtInstant, t: number): string {
  const dur = formatDuration(Math.max(0, t - s.since));
  switch (s.state) {
    case 'running':
      return `running ${dur}`;
    case 'waiting':
      return `waiting ${dur} on ${s.awaited}`;
    case 'scheduled':
      return `scheduled ${dur}${s.awaited !== null ? ` (woken from ${s.awaited})` : ''}`;
    case 'finished':
      return OUTCOME_TEXT[s.outcome ?? 'ok'];
  }
}

export class PauseView implements vscode.TreeDataProvider<number>, vscode.Disposable {
  private readonly pauses = new Map<string, Pause>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly treeView: vscode.TreeView<number>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly decorations: PauseDecorations, private readonly navigator: SourceNavigator, private readonly log: Log) {
    this.treeView = vscode.window.createTreeView(PAUSE_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.treeView,
      vscode.debug.onDidChangeActiveDebugSession(() => this.refresh()),
      vscode.commands.registerCommand(OPEN_COMMAND, (file: string, line: number, cwd: string | null) => {
        this.navigator.open(file, line, cwd, undefined).catch((err) => this.log.error('open a paused task', err));
      }),
    );
  }

  show(pause: Pause): void {
    this.pauses.set(pause.session.id, pause);
    this.refresh();
  }

  clear(session: vscode.DebugSession): void {
    if (this.pauses.delete(session.id)) this.refresh();
  }

  /** The pause to show: the active session's (or its parent's), else the last one. */
  private current(): Pause | null {
    for (let s = vscode.debug.activeDebugSession; s; s = s.parentSession) {
      const p = this.pauses.get(s.id);
      if (p) return p;
    }
    return [...this.pauses.values()].pop() ?? null;
  }

  private refresh(): void {
    const pause = this.current();
    this.changed.fire();
    this.treeView.message = pause ? `Paused at ${formatDuration(pause.t)} of the trace: ${pause.states.length} tasks` : undefined;
    this.decorations.show(pause ? this.notes(pause) : []);
    if (pause?.atBreakpoint != null) {
      const id = pause.atBreakpoint;
      // After the tree has asked for its new items.
      setTimeout(() => this.treeView.reveal(id, { select: true, focus: false }).then(undefined, () => undefined), 0);
    }
  }

  /** A note at each suspended task's await line. */
  private notes(p: Pause): LineNote[] {
    const out: LineNote[] = [];
    for (const s of p.states) {
      if ((s.state !== 'waiting' && s.state !== 'scheduled') || s.site === null) continue;
      const path = resolveSourcePath(s.site.file, p.cwd);
      if (path === null) continue;
      const task = p.index.task(s.id);
      // ‖ (U+2016), not the pause symbol ⏸ (U+23F8): that one is only in emoji and symbol fonts (not in DejaVu, many
      // Linux machines' only fonts: a box in the e2e screenshots), drawn in colour where an emoji font has it; ‖ is
      // in the monospace fonts themselves (DejaVu Sans Mono, the Bitstream Vera family) and takes the note's colour.
      const text = `‖ ${shortLabel(p.index, s.id)}: ${stateText(s, p.t)}`;
      out.push({ path, line: s.site.line - 1, text, hover: `**Async Lanes** — ${task ? taskTitle(task) : `task #${s.id}`} ${stateText(s, p.t)} here, at the pause.` });
    }
    return out;
  }

  getChildren(id?: number): number[] {
    return this.current()?.tree.get(id ?? null) ?? [];
  }

  getParent(id: number): number | undefined {
    const p = this.current();
    if (!p) return undefined;
    for (const [parent, children] of p.tree) if (parent !== null && children.includes(id)) return parent;
    return undefined;
  }

  getTreeItem(id: number): vscode.TreeItem {
    const p = this.current();
    const s = p?.states.find((x) => x.id === id);
    if (!p || !s) return new vscode.TreeItem(`task #${id}`);
    const task = p.index.task(id);
    const label = task ? taskLabelOf(task) : { text: `task #${id}`, autoName: null };
    const here = id === p.atBreakpoint;
    const hasChildren = (p.tree.get(id)?.length ?? 0) > 0;
    const item = new vscode.TreeItem(here ? { label: label.text, highlights: [[0, label.text.length]] } : label.text, hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `paused:${p.session.id}:${id}`;
    const awaits = s.awaitsTasks.length > 0 ? ` · awaits ${s.awaitsTasks.map((a) => shortLabel(p.index, a)).join(', ')}` : '';
    const where = s.site ? ` · ${basename(s.site.file)}:${s.site.line}` : '';
    item.description = `${here ? 'at the breakpoint · ' : ''}${label.autoName !== null ? `${label.autoName} · ` : ''}${stateText(s, p.t)}${where}${awaits}`;
    const [icon, colour] = here ? ['debug-stackframe', 'debugIcon.breakpointCurrentStackframeForeground'] : ICONS[s.state];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(colour));
    item.contextValue = `pausedTask.${s.state}`;
    const md = new vscode.MarkdownString();
    md.appendText(`${task ? taskTitle(task) : `task #${id}`}\n${stateText(s, p.t)}${s.site ? ` at ${s.site.file}:${s.site.line}` : ''}${awaits ? `\n${awaits.slice(3)}` : ''}${task?.site ? `\ncreated at ${task.site.file}:${task.site.line}` : ''}`);
    item.tooltip = md;
    const site = s.site ?? task?.site ?? null;
    if (site) item.command = { command: OPEN_COMMAND, title: 'Open its line', arguments: [site.file, site.line, p.cwd] };
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
