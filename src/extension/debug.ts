// Debug sessions under the recorder (issue 16). A debug configuration provider adds the recorder's environment
// (src/launch: the same variables as a recording) to launch configurations that ask for it ("asyncLanes": true, or
// the setting asyncLanes.recordDebugSessions); the trace is a .lanes file in the trace folder, shown live in a
// timeline while the session runs. At every pause a debug adapter tracker asks the paused program, through the
// adapter's evaluate request on the top frame, to hand its buffered records to the trace (the recorder's pause
// flush): the program's thread is stopped, so its 100 ms timer (Node) cannot, the Python recorder's thread would only
// within 100 ms and without saying when they are written; the evaluate runs on the paused thread while the recorder's
// writer (Node: a worker thread; Python: a separate process), which the debugger does not stop, writes them before
// the answer comes back, told of the pause (the step stopped there is no blocked loop). The answer
// also says which tasks are in a step (the trace cannot: steps are written when they end). Then every task's state
// at that instant (model/pause-state.ts) goes to the Tasks view and the editor's notes, cleared on continue.

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { FileTail } from '../files/tail.js';
import { DEBUG_NODE_TYPES, DEBUG_PYTHON_TYPES, debugLaunchEnv, LaunchError, programStem, recorderPaths, traceFileName } from '../launch/launch.js';
import { LiveTrace } from '../model/live-trace.js';
import { PAUSE_FLUSH_EXPRESSION, parsePauseAnswer, pauseInstant, pauseTree, tasksAt } from '../model/pause-state.js';
import type { Pause, PauseView } from './debug-tasks.js';
import type { Log } from './log.js';
import type { Recordings } from './recordings.js';
import { readSettings, traceFolder } from './settings.js';
import type { Timelines } from './timelines.js';

/** Where a recorded configuration keeps its trace's path (the session's configuration carries it). */
const TRACE_KEY = '__asyncLanesTrace';
/** Requests after which the program runs again (no `continued` event follows the ones the user makes). */
const RESUMING = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto', 'restartFrame', 'restart', 'disconnect', 'terminate']);

/** A recorded root session: its configuration's trace file, and the trace shown live (that file; after a restart, the
 * new process's `<stem>.<pid>.lanes` once it appears). */
interface Recorded {
  trace: string;
  live: string | null;
}

/** How long a restarted session's new trace file is looked for. */
const RESTART_WAIT_MS = 60_000;

/** The per-process trace files beside `trace` (`<stem>.<pid>.lanes`: a restart's, or a further Node process's). */
function processTraces(trace: string): string[] {
  const stem = basename(trace).replace(/\.lanes$/, '');
  try {
    return readdirSync(dirname(trace)).filter((f) => f.startsWith(`${stem}.`) && /^\.\d+\.lanes$/.test(f.slice(stem.length))).map((f) => join(dirname(trace), f));
  } catch {
    return [];
  }
}

/** One process's trace, read as it grows. */
interface TraceReader {
  tail: FileTail;
  model: LiveTrace;
}

export class DebugRecorder implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  /** Root sessions being recorded. */
  private readonly sessions = new Map<string, Recorded>();
  /** Root sessions restarting → the configuration's trace and the look for the new process's trace file. */
  private readonly restarts = new Map<string, { trace: string; timer: NodeJS.Timeout }>();
  private readonly readers = new Map<string, TraceReader>();
  /** Each root session's pause count: an answer that arrives after the program went on is dropped. */
  private readonly generation = new Map<string, number>();
  /** Each root session's paused trace file, whose timeline shows the pause cursor until the program goes on. */
  private readonly pausedFile = new Map<string, string>();
  /** Messages about sessions that run unrecorded, already shown. */
  private readonly told = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Log,
    private readonly timelines: Timelines,
    private readonly recordings: Recordings,
    private readonly view: PauseView,
  ) {
    const recording = timelines.isRecording;
    timelines.isRecording = (file) => recording(file) || [...this.sessions.values()].some((s) => s.live === file);
    const provider: vscode.DebugConfigurationProvider = {
      resolveDebugConfigurationWithSubstitutedVariables: (folder, config) => this.resolve(folder, config),
    };
    for (const type of [...DEBUG_NODE_TYPES, ...DEBUG_PYTHON_TYPES]) this.disposables.push(vscode.debug.registerDebugConfigurationProvider(type, provider));
    this.disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('*', { createDebugAdapterTracker: (s) => this.tracker(s) }),
      vscode.debug.onDidStartDebugSession((s) => this.started(s)),
      vscode.debug.onDidTerminateDebugSession((s) => this.ended(s)),
    );
  }

  private resolve(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration {
    // js-debug starts a child session per process it attaches to, through this provider too: those are the parent's.
    if (config[TRACE_KEY] !== undefined || config.__pendingTargetId !== undefined) return config;
    const asked = config.asyncLanes;
    if (asked !== true && !(asked === undefined && readSettings(folder?.uri).recordDebugSessions)) return config;
    try {
      const cwd = typeof config.cwd === 'string' ? config.cwd : folder?.uri.fsPath ?? (typeof config.program === 'string' ? dirname(config.program) : process.cwd());
      const dir = traceFolder(this.context, folder?.uri);
      const python = DEBUG_PYTHON_TYPES.includes(String(config.type));
      const stem = typeof config.program === 'string' ? programStem([python ? 'python' : 'node', config.program])
        : python && typeof config.module === 'string' ? programStem(['python', '-m', config.module])
        : programStem([String(config.name ?? 'debug')]);
      const traceFile = join(dir, traceFileName(stem, new Date(), (name) => existsSync(join(dir, name))));
      const userEnv: Record<string, string> = typeof config.env === 'object' && config.env !== null ? config.env : {};
      const added = debugLaunchEnv(
        { type: String(config.type), request: String(config.request), program: typeof config.program === 'string' ? config.program : undefined },
        { traceFile, blockThresholdMs: readSettings(folder?.uri).blockThresholdMs, packageRoot: this.context.extensionUri.fsPath, env: { ...process.env, ...userEnv }, cwd },
      );
      mkdirSync(dir, { recursive: true });
      this.log.info(`debug session "${config.name}" recorded to ${traceFile}`);
      const env = { ...userEnv, ...added };
      // debugpy: stepping out of a task's step, or past the program's last line, would otherwise stop in the
      // recorder's code (it is not a library's): the recorder, and the start-up hook that wraps debugpy's main().
      if (python) {
        const rules = [{ module: 'async_lanes', include: false }, { path: recorderPaths(this.context.extensionUri.fsPath).pythonAutostart, include: false }];
        return { ...config, env, rules: [...(Array.isArray(config.rules) ? config.rules : []), ...rules], [TRACE_KEY]: traceFile };
      }
      // Stepping into an await would otherwise enter the recorder's calls that the load-time transform put there.
      const skipFiles = [...(Array.isArray(config.skipFiles) ? config.skipFiles : []), join(dirname(recorderPaths(this.context.extensionUri.fsPath).nodePreload), '**')];
      // The transform only inserts text within lines, so the file on disk is where the program's lines are: with
      // content validation js-debug finds the loaded script differs from it (always, here) and shows the instrumented
      // copy instead. Set whatever the configuration said: js-debug's own provider has filled in its default by now.
      return { ...config, env, skipFiles, enableContentValidation: false, [TRACE_KEY]: traceFile };
    } catch (err) {
      if (!(err instanceof LaunchError)) throw err;
      this.log.warn(`debug session "${config.name}": ${err.message}`);
      // Asked for in the configuration: said each time. Through the setting: once, not at every session.
      if (asked === true || !this.told.has(err.message)) void vscode.window.showWarningMessage(err.message);
      this.told.add(err.message);
      return config;
    }
  }

  /** The recorded root session a session belongs to (js-debug's child sessions are the processes): the outermost
   * whose configuration has a trace. From the configurations, not from onDidStartDebugSession: debugpy can stop at a
   * breakpoint before that event, while its launch request is still being answered. */
  private rootOf(session: vscode.DebugSession): vscode.DebugSession | null {
    let root: vscode.DebugSession | null = null;
    for (let s: vscode.DebugSession | undefined = session; s; s = s.parentSession) if (typeof s.configuration[TRACE_KEY] === 'string') root = s;
    return root;
  }

  private started(session: vscode.DebugSession): void {
    const traceFile = session.configuration[TRACE_KEY];
    if (typeof traceFile !== 'string' || this.rootOf(session) !== session || this.sessions.has(session.id)) return;
    // debugpy's restart is a new launch of the same session (and configuration): its new process's trace opens when
    // it appears, not the first one again.
    const restarted = this.restarts.get(session.id)?.trace === traceFile;
    if (!restarted) this.stopLooking(session.id); // (launch.json changed: the configuration, resolved again, has a new trace file)
    this.sessions.set(session.id, { trace: traceFile, live: restarted ? null : traceFile });
    void vscode.commands.executeCommand('setContext', 'asyncLanes.debugRecording', true);
    if (restarted) return;
    this.recordings.remember(traceFile);
    this.timelines.openLive(traceFile);
  }

  private ended(session: vscode.DebugSession): void {
    const recorded = this.sessions.get(session.id);
    if (recorded === undefined) return;
    const traceFile = recorded.trace;
    this.sessions.delete(session.id);
    this.generation.delete(session.id);
    this.pausedFile.delete(session.id);
    for (const [file] of this.readers) if (file === traceFile || file.startsWith(traceFile.replace(/\.lanes$/, '.'))) this.readers.delete(file);
    if (recorded.live !== null) for (const view of this.timelines.viewsOf(recorded.live)) view.ended();
    this.view.clear(session);
    if (this.sessions.size === 0) void vscode.commands.executeCommand('setContext', 'asyncLanes.debugRecording', false);
    this.log.info(`debug session "${session.name}" ended; trace ${existsSync(traceFile) ? traceFile : 'not written'}`);
  }

  /** A restart (js-debug: a restart request; debugpy: terminate, then a new launch of the same session): the program's
   * new process writes `<stem>.<pid>.lanes` beside the first trace (the same environment); it is shown live when it
   * appears, as the first was, and the pauses in it mark it. */
  private restarting(session: vscode.DebugSession): void {
    const root = this.rootOf(session);
    const recorded = root && this.sessions.get(root.id);
    if (!root || !recorded || this.restarts.has(root.id)) return;
    if (recorded.live !== null) for (const view of this.timelines.viewsOf(recorded.live)) view.ended();
    const earlier = new Set(processTraces(recorded.trace));
    const deadline = Date.now() + RESTART_WAIT_MS;
    const timer = setInterval(() => {
      const file = processTraces(recorded.trace).find((f) => !earlier.has(f));
      if (file === undefined && Date.now() < deadline) return;
      this.stopLooking(root.id);
      const now = this.sessions.get(root.id);
      if (file === undefined || now?.trace !== recorded.trace) return; // (no new process, or the session ended)
      now.live = file;
      this.recordings.remember(file);
      this.timelines.openLive(file);
      this.log.info(`debug session "${root.name}" restarted: recorded to ${file}`);
    }, 200);
    this.restarts.set(root.id, { trace: recorded.trace, timer });
  }

  private stopLooking(id: string): void {
    clearInterval(this.restarts.get(id)?.timer);
    this.restarts.delete(id);
  }

  private tracker(session: vscode.DebugSession): vscode.DebugAdapterTracker | undefined {
    const root = this.rootOf(session);
    if (!root) return undefined;
    // Its timeline opens now, not at onDidStartDebugSession: debugpy may stop at a breakpoint before that event.
    this.started(root);
    return {
      onDidSendMessage: (m: { type?: string; event?: string; body?: { threadId?: number } }) => {
        if (m.type !== 'event') return;
        if (m.event === 'stopped') void this.paused(session, m.body?.threadId);
        else if (m.event === 'continued' || m.event === 'terminated' || m.event === 'exited') this.resumed(session);
      },
      onWillReceiveMessage: (m: { type?: string; command?: string; arguments?: { restart?: unknown } }) => {
        if (m.type !== 'request' || m.command === undefined) return;
        if (m.command === 'restart' || ((m.command === 'terminate' || m.command === 'disconnect') && m.arguments?.restart === true)) this.restarting(session);
        if (RESUMING.has(m.command)) this.resumed(session);
      },
    };
  }

  private resumed(session: vscode.DebugSession): void {
    const root = this.rootOf(session);
    if (!root) return;
    this.generation.set(root.id, (this.generation.get(root.id) ?? 0) + 1);
    this.view.clear(root);
    const file = this.pausedFile.get(root.id);
    this.pausedFile.delete(root.id);
    if (file !== undefined) for (const view of this.timelines.viewsOf(file)) view.post({ type: 'select', taskId: null, time: null });
  }

  private async paused(session: vscode.DebugSession, threadId: number | undefined): Promise<void> {
    const root = this.rootOf(session);
    if (!root) return;
    this.started(root);
    const stoppedAt = Date.now();
    const generation = (this.generation.get(root.id) ?? 0) + 1;
    this.generation.set(root.id, generation);
    try {
      const trace = await session.customRequest('stackTrace', { threadId: threadId ?? 1, startFrame: 0, levels: 1 }) as { stackFrames?: { id: number }[] };
      const frameId = trace.stackFrames?.[0]?.id;
      const expression = PAUSE_FLUSH_EXPRESSION[DEBUG_PYTHON_TYPES.includes(root.type) ? 'python' : 'node'];
      const answer = await session.customRequest('evaluate', { expression, frameId, context: 'repl' }) as { result?: string };
      const pause = parsePauseAnswer(String(answer.result ?? ''));
      if (this.generation.get(root.id) !== generation) return; // the program went on meanwhile
      if (pause === null) {
        this.log.info(`pause in "${session.name}": the recorder is not loaded in this process (${String(answer.result).slice(0, 80)})`);
        return;
      }
      const analysis = this.read(pause.file);
      if (analysis === null) return;
      const meta = analysis.index.meta;
      const t = pauseInstant(pause.t, stoppedAt, meta.header.start, meta.endNs);
      const states = tasksAt(analysis.index, t, pause.running);
      const atBreakpoint = pause.running[0]?.id ?? null;
      const shown: Pause = { session: root, index: analysis.index, states, tree: pauseTree(states, analysis.index, atBreakpoint), atBreakpoint, t, cwd: meta.header.cwd ?? null };
      this.view.show(shown);
      // The timeline's time cursor marks the pause (the view's selection is cleared: the editor shows the pause's
      // notes, not the selected task's await sites).
      this.pausedFile.set(root.id, pause.file);
      for (const view of this.timelines.viewsOf(pause.file)) view.post({ type: 'select', taskId: null, time: t });
      this.log.info(`pause in "${session.name}" at ${t} ns (flushed at ${pause.t} ns): ${states.length} tasks, ${basename(pause.file)}`);
    } catch (err) {
      this.log.error(`pause in "${session.name}"`, err);
    }
  }

  /** Everything the process's trace holds now (read on from the last pause). */
  private read(file: string): ReturnType<LiveTrace['analyse']> {
    let reader = this.readers.get(file);
    if (!reader) this.readers.set(file, (reader = { tail: new FileTail(file), model: new LiveTrace() }));
    for (;;) {
      const r = reader.tail.read();
      if (r.kind === 'shrunk') continue;
      if (r.kind !== 'text') break;
      if (r.first) reader.model.load(r.text, true);
      else reader.model.append(r.text);
      if (!r.more) break;
    }
    return reader.model.analyse();
  }

  dispose(): void {
    for (const id of [...this.restarts.keys()]) this.stopLooking(id);
    for (const d of this.disposables) d.dispose();
  }
}
