// Entry point of the timeline bundle: builds the page, connects the bridge, asks the host for the trace.

import type { ViewerConfig, ViewMessage } from '../src/protocol/messages.js';
import { App } from './app.js';
import { createBridge } from './bridge.js';
import { byId } from './dom.js';
import { wireInput } from './input.js';
import { buildShell } from './shell.js';
import { followSystemTheme } from './theme.js';
import { installHook } from './test-hook.js';

const MESSAGE_LOG = 100;

function readJson<T>(id: string): T {
  return JSON.parse(byId(id).textContent ?? 'null') as T;
}

function showSource(file: string, line: number): void {
  const toast = byId('source-toast');
  toast.replaceChildren();
  const label = document.createElement('strong');
  label.textContent = 'Source: ';
  const where = document.createElement('code');
  where.textContent = `${file}:${line}`;
  toast.append(label, where);
  toast.hidden = false;
  clearTimeout(Number(toast.dataset.timer));
  toast.dataset.timer = String(setTimeout(() => (toast.hidden = true), 6000));
}

function boot(): void {
  const config = readJson<ViewerConfig>('lanes-config');
  const bridge = createBridge(config, { showSource, inlineTrace: () => byId('lanes-trace').textContent ?? '' });
  if (bridge.host === 'browser') followSystemTheme();
  buildShell(byId('app'));
  // The last messages sent to the host, for the test hook: a bounded log, whatever the page's lifetime.
  const messages: ViewMessage[] = [];
  const app = new App((m) => {
    if (messages.push(m) > MESSAGE_LOG) messages.splice(0, messages.length - MESSAGE_LOG);
    bridge.post(m);
  });
  app.host = bridge.host;
  app.live = config.source.kind === 'host' || (config.source.kind === 'poll' && config.source.live);
  app.setFollow(app.live);
  wireInput(app);
  installHook(app, messages);
  // Inside VS Code the view survives a window reload: its state is saved (at most every 300 ms) and restored.
  app.restore = bridge.savedState();
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  app.onViewChange = () => {
    if (saveTimer === undefined && bridge.host === 'vscode') {
      saveTimer = setTimeout(() => {
        saveTimer = undefined;
        bridge.saveState(app.viewState());
      }, 300);
    }
  };
  bridge.listen((m) => app.receive(m));
  bridge.post({ type: 'ready' });
}

boot();
