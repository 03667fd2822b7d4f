// The side panel (the Async Lanes view container): recent recordings, the task tree of the active trace with each
// task's state, and its findings. Clicking a task or a finding selects it in the timeline and opens its source.

import { basename } from 'node:path';
import * as vscode from 'vscode';
import { findingKind } from '../model/finding-kinds.js';
import type { Finding } from '../model/findings.js';
import { formatDuration, formatSite } from '../model/format.js';
import type { TaskInfo, TraceIndex } from '../model/index.js';
import { isInternal } from '../model/internal.js';
import { taskLabelOf, taskTitle } from '../model/task-label.js';
import type { Recordings } from './recordings.js';
import type { Timelines } from './timelines.js';

/** Refreshes of a growing trace's trees, at most this often. */
const REFRESH_MS = 1000;

const STATE_ICON: Record<TaskInfo['state'], [string, string]> = {
  ok: ['pass', 'testing.iconPassed'],
  error: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'testing.iconSkipped'],
  pending: ['clock', 'charts.purple'],
};
const STATE_TEXT: Record<TaskInfo['state'], string> = { ok: 'finished', error: 'failed', cancelled: 'cancelled', pending: 'pending' };

/** Fires a tree's change event at most every REFRESH_MS. */
class Throttled implements vscode.Disposable {
  readonly emitter = new vscode.EventEmitter<void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = 0;

  fire(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.last + REFRESH_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.last = Date.now();
      this.emitter.fire();
    }, wait);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.emitter.dispose();
  }
}

export class RecordingsTree implements vscode.TreeDataProvider<string>, vscode.Disposable {
  private readonly refresh = new Throttled();
  readonly onDidChangeTreeData = this.refresh.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly recordings: Recordings, private readonly folder: () => string) {
    this.sub = recordings.onDidChange(() => this.refresh.fire());
  }

  reload(): void {
    this.refresh.fire();
  }

  getChildren(element?: string): string[] {
    return element === undefined ? this.recordings.recent(this.folder()).map((r) => (r.recording ? `rec:${r.file}` : r.file)) : [];
  }

  getTreeItem(key: string): vscode.TreeItem {
    const recording = key.startsWith('rec:');
    const file = recording ? key.slice(4) : key;
    const item = new vscode.TreeItem(basename(file));
    item.id = key;
    item.resourceUri = vscode.Uri.file(file);
    item.description = recording ? 'recording…' : undefined;
    item.tooltip = file;
    item.iconPath = new vscode.ThemeIcon(recording ? 'record' : 'pulse');
    item.contextValue = recording ? 'recording' : 'trace';
    item.command = { command: 'asyncLanes.openRecent', title: 'Open', arguments: [vscode.Uri.file(file)] };
    return item;
  }

  dispose(): void {
    this.sub.dispose();
    this.refresh.dispose();
  }
}

/** A tree over the active timeline's trace: refreshed (throttled) when the active timeline or its model changes. */
abstract class ActiveTraceTree implements vscode.TreeDataProvider<number>, vscode.Disposable {
  private readonly refresh = new Throttled();
  readonly onDidChangeTreeData = this.refresh.emitter.event;
  private readonly subs: vscode.Disposable[];

  constructor(protected readonly timelines: Timelines) {
    this.subs = [timelines.onDidChangeActive(() => this.refresh.fire()), timelines.onDidChangeModel((v) => v === timelines.active && this.refresh.fire())];
  }

  abstract getChildren(element?: number): number[];
  abstract getTreeItem(element: number): vscode.TreeItem;

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.refresh.dispose();
  }
}

/** The task tree's "asyncio internals" group (task ids are positive). */
const INTERNALS = -1;

/** Elements of the task tree: task ids, and INTERNALS: asyncio's own tasks (asyncio.run's shutdown steps) in one
 * collapsed group after the program's, as the timeline and the report show them. */
export class TasksTree extends ActiveTraceTree {
  private index(): TraceIndex | null {
    return this.timelines.active?.model.analyse()?.index ?? null;
  }

  /** The tasks at the top of the tree: the program's, and asyncio's own (which go in the group). */
  private roots(index: TraceIndex): { program: number[]; internal: number[] } {
    const program: number[] = [];
    const internal: number[] = [];
    for (const t of index.tasks) if (t.parent === null || !index.task(t.parent)) (isInternal(index, t) ? internal : program).push(t.id);
    return { program, internal };
  }

  getChildren(id?: number): number[] {
    const index = this.index();
    if (!index) return [];
    if (id === undefined) {
      const { program, internal } = this.roots(index);
      return internal.length ? [...program, INTERNALS] : program;
    }
    if (id === INTERNALS) return this.roots(index).internal;
    return index.task(id)?.children ?? [];
  }

  getParent(id: number): number | undefined {
    const index = this.index();
    const t = index?.task(id);
    if (!index || !t || id === INTERNALS) return undefined;
    if (t.parent !== null && index.task(t.parent)) return t.parent;
    return isInternal(index, t) ? INTERNALS : undefined;
  }

  getTreeItem(id: number): vscode.TreeItem {
    const index = this.index();
    if (id === INTERNALS) {
      const n = index ? this.roots(index).internal.length : 0;
      const group = new vscode.TreeItem('asyncio internals', vscode.TreeItemCollapsibleState.Collapsed);
      group.id = 'group:internals';
      group.iconPath = new vscode.ThemeIcon('folder');
      group.description = `${n} task${n === 1 ? '' : 's'}`;
      group.tooltip = "asyncio's own tasks (asyncio.run's shutdown steps): real work on the loop, but not the program's";
      return group;
    }
    const t = index?.task(id);
    if (!index || !t) return new vscode.TreeItem(`#${id}`);
    const name = taskLabelOf(t);
    const item = new vscode.TreeItem(name.text, t.children.length === 0 ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Expanded);
    item.id = `task:${id}`;
    const [iconName, colour] = STATE_ICON[t.state];
    item.iconPath = new vscode.ThemeIcon(iconName, new vscode.ThemeColor(colour));
    const life = (t.end ?? index.meta.endNs) - t.start;
    item.description = `${name.autoName !== null ? `${name.autoName} · ` : ''}${STATE_TEXT[t.state]} · ${formatDuration(life)}`;
    const md = new vscode.MarkdownString();
    md.appendText(`${taskTitle(t)}\n${STATE_TEXT[t.state]}${t.error ? `: ${t.error}` : ''}\ncreated at ${formatSite(t.site, index.meta.header.cwd)}\nbusy ${formatDuration(t.busyNs)}, waiting ${formatDuration(t.idleNs)}, scheduled ${formatDuration(t.scheduledNs)}`);
    item.tooltip = md;
    item.command = { command: 'asyncLanes.revealTask', title: 'Show in the timeline', arguments: [id] };
    return item;
  }
}

/** Elements of the findings list: indexes into the active trace's findings. */
export class FindingsTree extends ActiveTraceTree {
  private findings(): Finding[] {
    return this.timelines.active?.model.analyse()?.findings ?? [];
  }

  getChildren(element?: number): number[] {
    return element === undefined ? this.findings().map((_, i) => i) : [];
  }

  getTreeItem(i: number): vscode.TreeItem {
    const f = this.findings()[i];
    if (!f) return new vscode.TreeItem('?');
    const item = new vscode.TreeItem(f.message);
    item.id = `finding:${i}:${f.kind}:${f.time}`;
    item.description = f.file ? `${basename(f.file)}:${f.line}` : f.kind;
    item.tooltip = `${f.kind}: ${f.message}${f.file ? `\n${f.file}:${f.line}` : ''}`;
    const kind = findingKind(f.kind);
    item.iconPath = new vscode.ThemeIcon(kind.icon, new vscode.ThemeColor(kind.severity === 'error' ? 'errorForeground' : 'editorWarning.foreground'));
    item.command = { command: 'asyncLanes.revealFinding', title: 'Show in the timeline', arguments: [i] };
    return item;
  }
}
