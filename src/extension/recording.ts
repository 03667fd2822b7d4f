// One recording: the program runs under the recorder, its output and input go through a terminal of its own, and
// Stop interrupts it the way Ctrl-C would (SIGINT, then SIGTERM, then SIGKILL if it will not end): the recorder
// flushes on those signals, so the trace keeps everything up to the stop.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { Launch } from '../launch/launch.js';
import type { Log } from './log.js';

/** How long each signal gets before the next, stronger one. */
const STOP_STEP_MS = 3000;

export interface RecordingEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the program could not start at all (e.g. no such interpreter). */
  error: string | null;
  traceWritten: boolean;
}

export class Recording implements vscode.Disposable {
  readonly terminal: vscode.Terminal;
  private child: ChildProcess | null = null;
  private readonly write = new vscode.EventEmitter<string>();
  private readonly ended = new vscode.EventEmitter<RecordingEnd>();
  private pending: string[] = [];
  private opened = false;
  private line = '';
  private stopTimers: ReturnType<typeof setTimeout>[] = [];
  /** Fires once, when the program has ended (or failed to start). */
  readonly onDidEnd = this.ended.event;
  running = true;

  constructor(readonly title: string, readonly traceFile: string, private readonly launch: Launch, private readonly cwd: string, private readonly log: Log) {
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.write.event,
      open: () => {
        this.opened = true;
        for (const s of this.pending.splice(0)) this.write.fire(s);
      },
      close: () => this.stop(),
      handleInput: (data) => this.input(data),
    };
    this.terminal = vscode.window.createTerminal({ name: `Async Lanes: ${title}`, pty, iconPath: new vscode.ThemeIcon('record') });
  }

  start(): void {
    const { command, args, env } = this.launch;
    this.log.info(`record: ${[command, ...args].map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ')}  (in ${this.cwd})`);
    this.out(`\x1b[2mAsync Lanes: recording ${this.title} → ${this.traceFile}\x1b[0m\n`);
    const child = spawn(command, args, { cwd: this.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (s: string) => this.out(s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => this.out(s));
    child.stdin?.on('error', () => undefined); // the program may close its stdin or end before reading it
    child.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? `cannot run "${command}": not found` : err.code === 'EACCES' ? `cannot run "${command}": permission denied` : `cannot run "${command}": ${err.message}`;
      this.finish({ code: null, signal: null, error: why, traceWritten: existsSync(this.traceFile) });
    });
    child.on('close', (code, signal) => this.finish({ code, signal, error: null, traceWritten: existsSync(this.traceFile) }));
  }

  /** Interrupts the program: SIGINT, then SIGTERM, then SIGKILL. */
  stop(): void {
    const child = this.child;
    if (!this.running || !child || this.stopTimers.length > 0) return;
    this.log.info(`stop: ${this.title} (pid ${child.pid})`);
    this.out('\n\x1b[2mAsync Lanes: stopping…\x1b[0m\n');
    child.kill('SIGINT');
    this.stopTimers.push(
      setTimeout(() => this.running && child.kill('SIGTERM'), STOP_STEP_MS),
      setTimeout(() => this.running && child.kill('SIGKILL'), 2 * STOP_STEP_MS),
    );
  }

  private finish(end: RecordingEnd): void {
    if (!this.running) return;
    this.running = false;
    for (const t of this.stopTimers) clearTimeout(t);
    const how = end.error ?? (end.signal ? `the program was ended by ${end.signal}` : `the program exited with code ${end.code}`);
    this.out(`\n\x1b[2mAsync Lanes: ${how}; ${end.traceWritten ? `trace: ${this.traceFile}` : 'no trace was written'}\x1b[0m\n`);
    this.log.info(`${this.title}: ${how}; ${end.traceWritten ? `trace ${this.traceFile}` : 'no trace written'}`);
    this.ended.fire(end);
  }

  /** A small line discipline: echo, backspace, Enter sends the line, Ctrl-C stops, Ctrl-D closes stdin. */
  private input(data: string): void {
    const stdin = this.child?.stdin;
    if (!this.running || !stdin) return;
    for (const c of data) {
      if (c === '\x03') {
        this.stop();
      } else if (c === '\x04') {
        stdin.end();
      } else if (c === '\r') {
        stdin.write(this.line + '\n');
        this.line = '';
        this.write.fire('\r\n');
      } else if (c === '\x7f') {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          this.write.fire('\b \b');
        }
      } else if (c >= ' ') {
        this.line += c;
        this.write.fire(c);
      }
    }
  }

  private out(text: string): void {
    const s = text.replace(/\r?\n/g, '\r\n');
    if (this.opened) this.write.fire(s);
    else this.pending.push(s);
  }

  dispose(): void {
    this.stop();
    this.write.dispose();
    this.ended.dispose();
  }
}
