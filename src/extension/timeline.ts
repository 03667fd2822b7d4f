// One timeline: a webview (a panel for recordings, or the .lanes custom editor) bound to a trace file that it tails
// by byte offset (or to a time window of one, read once), feeding the webview's `load`/`append` messages and the
// host's own LiveTrace (side panel, decorations). A file larger than the timeline holds is not read: the view says
// so and offers a time window. The Timelines registry knows which timeline is active.

import { statSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { HostMessage, ViewMessage } from '../protocol/messages.js';
import { newNonce, renderPage } from '../page/page.js';
import type { Log } from './log.js';
import { readSettings } from './settings.js';
import { FileTail, type TailRead } from '../files/tail.js';
import { readTraceEnd } from '../files/trace-end-file.js';
import { LiveTrace } from '../model/live-trace.js';
import { TIMELINE_BUDGET_BYTES } from '../model/timeline-budget.js';
import { TextTail } from './text-tail.js';

/** How often the file is checked for appended bytes: often while a recording writes it, rarely otherwise. */
const LIVE_POLL_MS = 250;
const IDLE_POLL_MS = 1000;

export interface TimelineHost {
  readonly extensionUri: vscode.Uri;
  readonly log: Log;
  openSource(view: Timeline, file: string, line: number): void;
  /** The view's selected task changed (view.selectedTask). */
  selected(view: Timeline): void;
  /** "Open Time Window…" on the view's message about a trace too big for it. */
  askWindow(view: Timeline): void;
  changed(view: Timeline): void;
  disposed(view: Timeline): void;
  focused(view: Timeline): void;
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'out', 'webview')] };
}

/** A time window of a trace, shown instead of the whole file. */
export interface WindowSource {
  text: string;
  name: string;
}

export class Timeline implements vscode.Disposable {
  readonly model = new LiveTrace();
  selectedTask: number | null = null;
  private tail: { read(): TailRead; readonly bytesRead: number };
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** A change to tell the host about, paced by the model (host.changed rebuilds the side panel's analysis). */
  private changeTimer: ReturnType<typeof setTimeout> | undefined;
  private ready = false;
  private pendingSelect: HostMessage | undefined;
  private inBurst = false;
  private stopped = false;
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly file: string,
    private live: boolean,
    private readonly host: TimelineHost,
    readonly window: WindowSource | null = null,
  ) {
    this.tail = this.open();
    const webview = panel.webview;
    webview.options = webviewOptions(host.extensionUri);
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(host.extensionUri, 'out', 'webview', name)).toString();
    webview.html = renderPage({
      title: this.name,
      nonce: newNonce(),
      config: { source: { kind: 'host' } },
      home: { kind: 'webview', cspSource: webview.cspSource, script: asset('app.js'), css: asset('app.css'), font: asset('codicon.ttf') },
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: ViewMessage) => this.receive(m)),
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) host.focused(this);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  get name(): string {
    return this.window?.name ?? basename(this.file);
  }

  private open(): { read(): TailRead; readonly bytesRead: number } {
    return this.window ? new TextTail(this.window.text) : new FileTail(this.file);
  }

  /** The recording ended: read what is left and tell the view. */
  ended(): void {
    this.live = false;
    this.model.ended();
    if (this.panel.viewType === PANEL_VIEW_TYPE) this.panel.title = this.name;
    if (!this.ready) return;
    this.poll();
    this.post({ type: 'ended' });
  }

  post(m: HostMessage): void {
    // A page not loaded yet drops what it is sent: a selection (a debugger's pause, a code lens's tasks) waits for
    // its first load.
    if (!this.ready && (m.type === 'select' || m.type === 'showTasks')) this.pendingSelect = m;
    void this.panel.webview.postMessage(m);
  }

  /** Selects a task in the view (and brings time `t` into view). */
  reveal(taskId: number | null, time?: number): void {
    this.panel.reveal(undefined, true);
    this.post({ type: 'select', taskId, time });
  }

  /** Shows only these tasks (a code lens's function, `label`), the first selected. */
  showTasks(taskIds: number[], label: string, total: number): void {
    this.panel.reveal(undefined, true);
    this.post({ type: 'showTasks', taskIds, label, total });
  }

  private receive(m: ViewMessage): void {
    if (m.type === 'ready') {
      // A new page (first load, or the webview was reloaded): send the whole trace again.
      this.ready = true;
      this.tail = this.open();
      this.inBurst = false;
      this.poll();
      if (this.pendingSelect) this.post(this.pendingSelect);
      this.pendingSelect = undefined;
    } else if (m.type === 'openSource') {
      this.host.openSource(this, String(m.file), Number(m.line));
    } else if (m.type === 'selected') {
      this.selectedTask = typeof m.taskId === 'number' ? m.taskId : null;
      this.host.selected(this);
    } else if (m.type === 'openWindow') {
      this.host.askWindow(this);
    }
  }

  private poll(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    let again = this.live ? LIVE_POLL_MS : IDLE_POLL_MS;
    try {
      if (this.tooBig()) return;
      const r = this.tail.read();
      if (r.kind === 'missing') {
        if (!this.live && this.tail.bytesRead === 0) this.fail(`Cannot open ${this.file}: the file does not exist.`);
      } else if (r.kind === 'shrunk') {
        this.host.log.warn(`${this.file} shrank or was replaced: reading it again`);
        again = 0;
      } else {
        if (r.first) {
          this.model.load(r.text, this.live);
          // A window's view is not reopened after a window reload (no `file` in its state): it was chosen for once.
          this.post({ type: 'load', name: this.name, text: r.text, more: r.more, live: this.live, follow: readSettings().followLive, file: this.window ? undefined : this.file });
        } else if (r.text !== '' || this.inBurst) {
          this.post({ type: 'append', text: r.text, more: r.more });
          this.model.append(r.text);
        }
        this.inBurst = r.more;
        if (r.text !== '') this.changed();
        if (r.more) again = 0;
      }
    } catch (err) {
      this.host.log.error(`reading ${this.file}`, err);
      this.fail(`Cannot read ${this.file}: ${(err as Error).message}`);
    }
    if (!this.stopped) this.timer = setTimeout(() => this.poll(), again);
  }

  /** A file larger than the timeline holds: the view says so (once), and nothing of it is read. */
  private tooBig(): boolean {
    if (this.window) return false;
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return false; // missing: the read says so
    }
    if (size <= TIMELINE_BUDGET_BYTES) return false;
    this.stopped = true;
    const endNs = readTraceEnd(this.file, size);
    this.model.tooBig(size, TIMELINE_BUDGET_BYTES, endNs);
    this.post({ type: 'tooBig', name: this.name, bytes: size, budget: TIMELINE_BUDGET_BYTES, endNs });
    this.host.log.info(`${this.file}: ${size} bytes, more than the timeline holds: not read`);
    this.changed();
    return true;
  }

  /** Tells the host, at the pace the model allows for rebuilding its analysis. */
  private changed(): void {
    if (this.changeTimer !== undefined) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      if (!this.disposed) this.host.changed(this);
    }, this.model.rebuildDelay());
  }

  private fail(message: string): void {
    this.stopped = true;
    this.post({ type: 'error', message });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.changeTimer);
    this.timer = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.host.disposed(this);
  }
}

/** The webview panel of a recording (restored by the serializer after a reload). */
export const PANEL_VIEW_TYPE = 'asyncLanes.timeline';
/** The custom editor of .lanes files. */
export const EDITOR_VIEW_TYPE = 'asyncLanes.trace';

export function createTimelinePanel(extensionUri: vscode.Uri, file: string, live: boolean): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, live ? `${basename(file)} (recording)` : basename(file), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
    ...webviewOptions(extensionUri),
    retainContextWhenHidden: true,
  });
}
