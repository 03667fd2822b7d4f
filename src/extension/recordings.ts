// The running recordings and the recent traces: starts a recording (terminal + live timeline), stops it, and keeps
// the list of recent .lanes files (the trace folder's, and the ones opened) for the side panel.

import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Launch } from '../launch/launch.js';
import type { Log } from './log.js';
import { Recording } from './recording.js';
import type { RecordingStatus } from './status.js';
import type { Timelines } from './timelines.js';

const RECENT_KEY = 'asyncLanes.recent';
const RECENT_MAX = 30;

export interface RecentTrace {
  file: string;
  mtimeMs: number;
  recording: boolean;
}

export class Recordings implements vscode.Disposable {
  private readonly running = new Set<Recording>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento, private readonly timelines: Timelines, private readonly status: RecordingStatus, private readonly log: Log) {
    timelines.isRecording = (file) => [...this.running].some((r) => r.traceFile === file);
  }

  get active(): Recording[] {
    return [...this.running];
  }

  /** Runs `launch` (which writes `traceFile`) and shows its timeline live. */
  start(title: string, launch: Launch, traceFile: string, cwd: string): Recording {
    mkdirSync(join(traceFile, '..'), { recursive: true });
    const rec = new Recording(title, traceFile, launch, cwd, this.log);
    this.running.add(rec);
    this.remember(traceFile);
    rec.terminal.show(true);
    this.timelines.openLive(traceFile);
    rec.onDidEnd((end) => {
      this.running.delete(rec);
      // Without a trace there is nothing to show: the message says why.
      for (const view of this.timelines.viewsOf(traceFile)) {
        if (end.traceWritten) view.ended();
        else view.panel.dispose();
      }
      this.status.update(this.active.map((r) => r.title));
      this.changed.fire();
      if (end.error) {
        const setting = launch.interpreterSetting;
        const advice = setting === 'asyncLanes.pythonPath' ? `Choose the Python interpreter (Python extension) or set "${setting}".` : `Install Node.js or set "${setting}".`;
        void vscode.window.showErrorMessage(`Async Lanes: ${end.error}. ${advice}`, 'Open Settings').then((choice) => {
          if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', setting);
        });
      } else if (!end.traceWritten) {
        void vscode.window.showErrorMessage(`Async Lanes: ${title} ended without writing a trace (see its terminal for why).`);
      }
    });
    rec.start();
    this.status.update(this.active.map((r) => r.title));
    this.changed.fire();
    return rec;
  }

  /** Stops one recording; asks which when several run. */
  async stop(): Promise<void> {
    const all = this.active;
    if (all.length === 0) {
      void vscode.window.showInformationMessage('Async Lanes: nothing is being recorded.');
      return;
    }
    const pick = all.length === 1 ? all[0] : (await vscode.window.showQuickPick(all.map((r) => ({ label: r.title, description: r.traceFile, rec: r })), { placeHolder: 'Stop which recording?' }))?.rec;
    pick?.stop();
  }

  /** Adds a trace to the recent list. */
  remember(file: string): void {
    const list = [file, ...this.state.get<string[]>(RECENT_KEY, []).filter((f) => f !== file)].slice(0, RECENT_MAX);
    void this.state.update(RECENT_KEY, list);
    this.changed.fire();
  }

  /** Recent traces, newest first: the running ones, the remembered ones and those in the trace folder. */
  recent(folder: string): RecentTrace[] {
    const files = new Set(this.state.get<string[]>(RECENT_KEY, []));
    try {
      for (const name of readdirSync(folder)) if (name.endsWith('.lanes')) files.add(join(folder, name));
    } catch {
      // no trace folder yet
    }
    const out: RecentTrace[] = [];
    for (const file of files) {
      const recording = this.timelines.isRecording(file);
      try {
        out.push({ file, mtimeMs: statSync(file).mtimeMs, recording });
      } catch {
        if (recording) out.push({ file, mtimeMs: Date.now(), recording });
      }
    }
    return out.sort((a, b) => Number(b.recording) - Number(a.recording) || b.mtimeMs - a.mtimeMs).slice(0, RECENT_MAX);
  }

  dispose(): void {
    for (const r of this.running) r.dispose();
    this.changed.dispose();
  }
}
