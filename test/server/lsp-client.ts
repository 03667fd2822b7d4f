// A plain JSON-RPC client (vscode-jsonrpc) for the server tests: starts the server as a real process (`async-lanes
// lsp --stdio`, or the extension's bundle out/server.js), initializes it on a workspace and keeps what it publishes
// (diagnostics, log messages).

import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic } from 'vscode-languageserver';
import { CLI } from '../recorders/lib/run.js';

export class LspClient {
  readonly conn: MessageConnection;
  readonly proc: ChildProcess;
  readonly diagnostics = new Map<string, Diagnostic[]>();
  readonly logs: string[] = [];
  stderr = '';
  private readonly versions = new Map<string, number>();
  private waiters: (() => void)[] = [];

  /** `argv`: node's arguments; default `async-lanes lsp --stdio` and `args`. */
  constructor(args: string[], argv = [CLI, 'lsp', '--stdio', ...args]) {
    this.proc = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString('utf8')));
    this.conn = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
      this.diagnostics.set(p.uri, p.diagnostics);
      this.wake();
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
      this.wake();
    });
    this.conn.onRequest('workspace/codeLens/refresh', () => (this.wake(), null));
    this.conn.onRequest('workspace/inlayHint/refresh', () => (this.wake(), null));
    this.conn.listen();
  }

  async initialize(root: string, initializationOptions: object = {}): Promise<void> {
    const rootUri = pathToFileURL(root).href;
    await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'examples' }],
      initializationOptions,
      capabilities: { workspace: { codeLens: { refreshSupport: true }, inlayHint: { refreshSupport: true } } },
    });
    await this.conn.sendNotification('initialized', {});
  }

  /** Resolves when `check` (which may ask the server) holds, checked after each notification and every 250 ms; fails
   * after `ms` with `what`. */
  async until<T>(what: string, check: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await check();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; logs:\n${this.logs.join('\n')}\nstderr: ${this.stderr}`);
      await new Promise<void>((done) => {
        const t = setTimeout(done, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          done();
        });
      });
    }
  }

  diagnosticsOf(file: string): Diagnostic[] | undefined {
    return this.diagnostics.get(pathToFileURL(file).href);
  }

  open(file: string, text: string, languageId: string): void {
    this.versions.set(file, 1);
    void this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: pathToFileURL(file).href, languageId, version: 1, text } });
  }

  change(file: string, text: string): void {
    const version = (this.versions.get(file) ?? 1) + 1;
    this.versions.set(file, version);
    void this.conn.sendNotification('textDocument/didChange', { textDocument: { uri: pathToFileURL(file).href, version }, contentChanges: [{ text }] });
  }

  request<T>(method: string, file: string, params: object = {}): Promise<T> {
    return this.conn.sendRequest(method, { textDocument: { uri: pathToFileURL(file).href }, ...params });
  }

  async close(): Promise<number | null> {
    const exited = new Promise<number | null>((done) => this.proc.on('exit', (code) => done(code)));
    try {
      await this.conn.sendRequest('shutdown');
      await this.conn.sendNotification('exit');
    } catch {
      this.proc.kill();
    }
    const code = await exited;
    this.conn.dispose();
    return code;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
