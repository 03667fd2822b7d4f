// The recordings the server reads: the newest of each program in the trace folder (or the pinned trace), reloaded
// when the folder changes. A trace written to in the last LIVE_MS is a recording still running: it is read as it
// grows, and its findings come moments after it ends. A file that is not a readable trace is logged once (per size and time) and skipped: the
// program's previous recording is taken instead.

import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkTraceFile } from '../files/trace-file.js';
import { LIVE_MS, type LoadedTrace } from './loaded-trace.js';
import { listTraceFiles, recordingsByProgram, type TraceFileInfo } from './recording-files.js';

export interface RecordingsOptions {
  folder: string | null;
  /** The workspace folders: what the recordings say about other files is not kept. */
  roots: string[];
  log: (message: string) => void;
  /** Called after a reload changed the set of traces or any of them. */
  changed: () => void;
}

/** How long after a change in the folder it is read again (changes meanwhile are read with it). */
const SETTLE_MS = 300;
/** A missing trace folder is looked for this often. */
const POLL_MS = 2000;

export class Recordings {
  private traces = new Map<string, LoadedTrace>();
  private readonly failed = new Set<string>();
  /** The reader threads running (a recording being followed may run for as long as the program). */
  private readonly workers = new Set<Worker>();
  /** Recordings being followed while they are written, and those followed to their end, not yet taken by a read. */
  private readonly following = new Set<string>();
  private readonly followed = new Map<string, LoadedTrace>();
  private pinned: string | null = null;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  /** A read is waiting behind the running one (further changes are read by it). */
  private queued = false;
  private disposed = false;

  constructor(private readonly o: RecordingsOptions) {}

  get current(): LoadedTrace[] {
    return [...this.traces.values()];
  }

  /** Reads the folder now and then whenever it changes. */
  start(): Promise<void> {
    this.watchFolder();
    return this.reload();
  }

  /** Only `file` (null: back to the newest recording per program). */
  pin(file: string | null): Promise<void> {
    this.pinned = file;
    return this.reload();
  }

  /** Reads what changed; reads run one after the other. */
  reload(): Promise<void> {
    if (this.queued) return this.running;
    this.queued = true;
    this.running = this.running
      .then(() => {
        this.queued = false;
        return this.read();
      })
      .catch((err) => this.o.log(`reading the recordings failed: ${err instanceof Error ? err.message : String(err)}`));
    return this.running;
  }

  private async read(): Promise<void> {
    if (this.disposed) return;
    const chosen = this.pinned !== null ? this.pinnedFiles(this.pinned) : recordingsByProgram(this.o.folder ? listTraceFiles(this.o.folder) : []);
    const next = new Map<string, LoadedTrace>();
    let changed = false;
    for (const recordings of chosen) {
      for (const files of recordings) {
        const loaded: LoadedTrace[] = [];
        for (const info of files) {
          const t = await this.load(info);
          if (t) loaded.push(t);
          if (t && t !== this.traces.get(info.file)) changed = true;
        }
        if (loaded.length === 0) continue;
        for (const t of loaded) next.set(t.file, t);
        break;
      }
    }
    if (next.size !== this.traces.size || [...next.keys()].some((k) => !this.traces.has(k))) changed = true;
    this.traces = next;
    if (changed && !this.disposed) this.o.changed();
  }

  private pinnedFiles(file: string): TraceFileInfo[][][] {
    try {
      const st = checkTraceFile(file);
      return [[[{ file, size: st.size, mtimeMs: st.mtimeMs }]]];
    } catch (err) {
      this.o.log(`the pinned trace cannot be read: ${err instanceof Error ? err.message : String(err)}`);
      return [];
    }
  }

  /** The trace, from the cache when its size and time are unchanged; null (logged once) when it cannot be read, and
   * while it is still being written: it is followed in the background (the program's previous recording stays
   * meanwhile) and read again from the cache when it ends. */
  private async load(info: TraceFileInfo): Promise<LoadedTrace | null> {
    const had = this.traces.get(info.file) ?? this.followed.get(info.file);
    if (had && had.size === info.size && had.mtimeMs === info.mtimeMs) {
      this.followed.delete(info.file);
      return had;
    }
    const key = `${info.file}\0${info.size}\0${info.mtimeMs}`;
    if (this.failed.has(key) || this.following.has(info.file)) return null;
    const live = Date.now() - info.mtimeMs < LIVE_MS;
    const reading = loadInWorker(info, this.o.roots, live, this.workers).then(
      (t) => {
        this.o.log(`read ${info.file}: ${t.findings.length} finding${t.findings.length === 1 ? '' : 's'}, ${t.stats.awaits.length} await lines`);
        return t;
      },
      (err: unknown) => {
        this.failed.add(key);
        this.o.log(`skipped ${info.file}: ${err instanceof Error ? err.message : String(err)}`);
        return null;
      },
    );
    if (!live) return reading;
    this.following.add(info.file);
    void reading.then((t) => {
      this.following.delete(info.file);
      if (t) this.followed.set(info.file, t);
      if (!this.disposed) void this.reload();
    });
    return null;
  }

  private watchFolder(): void {
    const folder = this.o.folder;
    if (folder === null || this.disposed) return;
    if (!existsSync(folder)) {
      this.poll = setTimeout(() => {
        this.poll = null;
        if (existsSync(folder)) void this.reload();
        this.watchFolder();
      }, POLL_MS);
      return;
    }
    try {
      this.watcher = watch(folder, () => this.settle());
      this.watcher.on('error', () => {
        // The folder was removed: look for it again.
        this.watcher?.close();
        this.watcher = null;
        this.settle();
        this.watchFolder();
      });
    } catch (err) {
      this.o.log(`cannot watch ${folder}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private settle(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.reload();
    }, SETTLE_MS);
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.workers) void w.terminate();
    this.watcher?.close();
    if (this.timer) clearTimeout(this.timer);
    if (this.poll) clearTimeout(this.poll);
  }
}

/** The worker's file: beside this one, compiled (out/src/server/) or bundled (out/). */
const WORKER = join(__dirname, 'load-worker.js');

/** loadTrace() in a worker thread of its own, which ends with the read (its memory goes with it). */
function loadInWorker(info: TraceFileInfo, roots: string[], follow: boolean, running: Set<Worker>): Promise<LoadedTrace> {
  return new Promise((done, fail) => {
    // A young generation of 12 MB, not V8's default (up to 3 x 16 MB): the reader promotes what it keeps anyway, and
    // the server's memory is its peak (bench:lsp: -25 MB on a 50 MB trace, the same time).
    const worker = new Worker(WORKER, { workerData: { info, roots, follow }, resourceLimits: { maxYoungGenerationSizeMb: 12 } });
    running.add(worker);
    worker.once('exit', () => running.delete(worker));
    worker.once('message', (m: { trace?: LoadedTrace; error?: string }) => {
      if (m.trace) done(m.trace);
      else fail(new Error(m.error ?? 'the reader stopped'));
      void worker.terminate();
    });
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`the reader stopped (exit code ${code})`)));
  });
}
