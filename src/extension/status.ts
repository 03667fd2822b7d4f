// The status bar item shown while something is being recorded; clicking it stops the recording.

import * as vscode from 'vscode';

export class RecordingStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('asyncLanes.recording', vscode.StatusBarAlignment.Left, 100);

  constructor() {
    this.item.name = 'Async Lanes recording';
    this.item.command = 'asyncLanes.stopRecording';
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
  }

  /** Shows the titles of the running recordings (none: hides the item). */
  update(titles: string[]): void {
    void vscode.commands.executeCommand('setContext', 'asyncLanes.recording', titles.length > 0);
    if (titles.length === 0) {
      this.item.hide();
      return;
    }
    this.item.text = `$(debug-stop) Recording ${titles.length === 1 ? titles[0] : `${titles.length} programs`}`;
    this.item.tooltip = `Async Lanes is recording ${titles.join(', ')}. Click to stop.`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
