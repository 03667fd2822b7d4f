// The one channel between the timeline and its host. Inside VS Code the host is the extension (postMessage both
// ways); in a plain browser the host is local: once the page is ready it reads the trace embedded in the page or
// polls `async-lanes view` for appended bytes, and "go to source" shows the file:line in the page.

import type { HostMessage, ViewerConfig, ViewMessage, ViewState } from '../src/protocol/messages.js';
import { readInline } from './inline.js';
import { startPolling } from './poll.js';

export interface Bridge {
  /** Inside VS Code, or a plain browser with a local host. */
  readonly host: 'vscode' | 'browser';
  post(message: ViewMessage): void;
  /** Registers the receiver of host messages (one). */
  listen(receive: (message: HostMessage) => void): void;
  /** Keeps the view's state across reloads of the page (VS Code's webview state; nothing in a browser). */
  saveState(state: ViewState): void;
  savedState(): ViewState | null;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  setState(state: unknown): void;
  getState(): unknown;
}

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

export interface LocalHostOptions {
  /** Where "go to source" lands in a plain browser. */
  showSource(file: string, line: number): void;
  /** The embedded trace (gzip in base64), for `inline` sources. */
  inlineTrace(): string;
}

export function createBridge(config: ViewerConfig, local: LocalHostOptions): Bridge {
  if (typeof acquireVsCodeApi === 'function') return vsCodeBridge(acquireVsCodeApi());
  return localBridge(config, local);
}

function vsCodeBridge(api: VsCodeApi): Bridge {
  return {
    host: 'vscode',
    post: (message) => api.postMessage(message),
    listen: (receive) => window.addEventListener('message', (e: MessageEvent<HostMessage>) => receive(e.data)),
    saveState: (state) => api.setState(state),
    savedState: () => (api.getState() as ViewState | undefined) ?? null,
  };
}

function localBridge(config: ViewerConfig, local: LocalHostOptions): Bridge {
  let receive: (message: HostMessage) => void = () => {};
  return {
    host: 'browser',
    listen: (r) => {
      receive = r;
    },
    saveState: () => undefined,
    savedState: () => null,
    post: (message) => {
      if (message.type === 'openSource') local.showSource(message.file, message.line);
      if (message.type !== 'ready') return;
      const source = config.source;
      if (source.kind === 'inline') void readInline(source.name, local.inlineTrace(), (m) => receive(m));
      else if (source.kind === 'poll') startPolling(source, (m) => receive(m));
    },
  };
}
