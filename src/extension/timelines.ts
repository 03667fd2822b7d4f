// All open timelines: recording panels (restored after a window reload by the WebviewPanelSerializer) and .lanes
// files in the read-only custom editor. Knows the active one (the side panel shows its tasks and findings) and
// routes "go to source" and task selection to the editor.

import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ViewState } from '../protocol/messages.js';
import type { AwaitDecorations } from './decorations.js';
import type { Log } from './log.js';
import type { SourceNavigator } from './source.js';
import { createTimelinePanel, EDITOR_VIEW_TYPE, PANEL_VIEW_TYPE, Timeline, type TimelineHost, type WindowSource } from './timeline.js';

export class Timelines implements TimelineHost, vscode.Disposable {
  private readonly views = new Set<Timeline>();
  private current: Timeline | null = null;
  private readonly activeChanged = new vscode.EventEmitter<Timeline | null>();
  private readonly modelChanged = new vscode.EventEmitter<Timeline>();
  /** The active timeline changed (focus, close). */
  readonly onDidChangeActive = this.activeChanged.event;
  /** A timeline read more of its trace. */
  readonly onDidChangeModel = this.modelChanged.event;
  /** Is this file being recorded right now? (set by the recordings) */
  isRecording: (file: string) => boolean = () => false;

  constructor(readonly extensionUri: vscode.Uri, readonly log: Log, private readonly navigator: SourceNavigator, private readonly decorations: AwaitDecorations) {}

  get active(): Timeline | null {
    return this.current;
  }

  /** A panel for a recording that is starting (the trace file may not exist yet). */
  openLive(file: string): Timeline {
    return this.attach(createTimelinePanel(this.extensionUri, file, true), file, true);
  }

  /** A panel showing a time window of `file`. */
  openWindow(file: string, window: WindowSource): Timeline {
    const panel = createTimelinePanel(this.extensionUri, file, false);
    panel.title = window.name;
    return this.attach(panel, file, false, window);
  }

  /** Opens a .lanes file in the timeline editor. */
  async openFile(uri: vscode.Uri): Promise<void> {
    await vscode.commands.executeCommand('vscode.openWith', uri, EDITOR_VIEW_TYPE);
  }

  /** The open timelines of `file` (not of time windows of it). */
  viewsOf(file: string): Timeline[] {
    return [...this.views].filter((v) => v.file === file && v.window === null);
  }

  private attach(panel: vscode.WebviewPanel, file: string, live: boolean, window: WindowSource | null = null): Timeline {
    const view = new Timeline(panel, file, live, this, window);
    this.views.add(view);
    this.focused(view);
    this.log.info(`timeline: ${window?.name ?? file}${live ? ' (live)' : ''}`);
    return view;
  }

  // --- TimelineHost ---

  openSource(view: Timeline, file: string, line: number): void {
    const cwd = view.model.analyse()?.index.meta.header.cwd ?? null;
    this.navigator.open(file, line, cwd, view.panel.viewColumn).catch((err) => this.log.error('go to source', err));
  }

  selected(view: Timeline): void {
    if (view !== this.current) this.focused(view);
    this.showDecorations();
  }

  askWindow(view: Timeline): void {
    void vscode.commands.executeCommand('asyncLanes.openTimeWindow', vscode.Uri.file(view.file));
  }

  changed(view: Timeline): void {
    this.modelChanged.fire(view);
  }

  focused(view: Timeline): void {
    if (this.current === view) return;
    this.current = view;
    this.activeChanged.fire(view);
    this.showDecorations();
  }

  disposed(view: Timeline): void {
    this.views.delete(view);
    if (this.current === view) {
      this.current = [...this.views].pop() ?? null;
      this.activeChanged.fire(this.current);
      this.showDecorations();
    }
  }

  private showDecorations(): void {
    const view = this.current;
    const analysis = view?.model.analyse();
    const task = view && analysis && view.selectedTask !== null ? analysis.index.task(view.selectedTask) ?? null : null;
    this.decorations.show(task, analysis?.index.meta.header.cwd ?? null);
  }

  // --- restoring panels and the custom editor ---

  serializer(): vscode.WebviewPanelSerializer<ViewState> {
    return {
      deserializeWebviewPanel: async (panel, state) => {
        if (typeof state?.file !== 'string') {
          // Nothing to show (the page never got a trace): close it rather than keep an empty tab.
          this.log.info(`closing a restored timeline panel that has no trace (${panel.title})`);
          panel.dispose();
          return;
        }
        const live = this.isRecording(state.file);
        panel.title = live ? `${basename(state.file)} (recording)` : basename(state.file);
        this.attach(panel, state.file, live);
      },
    };
  }

  editorProvider(): vscode.CustomReadonlyEditorProvider {
    return {
      openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
      resolveCustomEditor: (document, panel) => {
        this.attach(panel, document.uri.fsPath, this.isRecording(document.uri.fsPath));
      },
    };
  }

  static register(timelines: Timelines): vscode.Disposable[] {
    return [
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, timelines.serializer()),
      vscode.window.registerCustomEditorProvider(EDITOR_VIEW_TYPE, timelines.editorProvider(), {
        webviewOptions: { retainContextWhenHidden: true },
        supportsMultipleEditorsPerDocument: false,
      }),
    ];
  }

  dispose(): void {
    for (const v of [...this.views]) v.dispose();
    this.activeChanged.dispose();
    this.modelChanged.dispose();
  }
}
