// The report JSON (`async-lanes report --json`): a stable, documented shape for CI and other tools. Times are ns
// since the trace's start; files are as recorded (absolute).

import { findFindings, type Finding } from './findings.js';
import { isInternal } from './internal.js';
import { WAIT_KINDS, type CallbackInfo, type FutureInfo, type LoopInfo, type TaskInfo, type TraceIndex, type TraceMeta, type TraceView, type WorkInfo } from './index.js';
import type { Site } from './types.js';

export interface Report {
  tasks: {
    id: number;
    name: string;
    coroutine: string;
    parent: number | null;
    state: 'ok' | 'error' | 'cancelled' | 'pending';
    /** Result repr, exception text or cancel message. */
    result: string | null;
    start: number;
    end: number | null;
    busyNs: number;
    idleNs: number;
    scheduledNs: number;
    steps: number;
    file: string | null;
    line: number | null;
    waitNsByKind: Record<string, number>;
    error: string | null;
    cancelledBy: number | string | null;
    loop: number | null;
    awaits: { file: string | null; line: number | null; count: number; totalNs: number; maxNs: number; kind: string }[];
    wakers: { by: number | null; via: string | null; count: number }[];
    /** asyncio's own task (model/internal.ts): the timeline folds it into "asyncio internals", the text lists it last. */
    internal: boolean;
  }[];
  futures: {
    id: number;
    kind: string;
    state: string;
    resolvedBy: number | null;
    file: string | null;
    line: number | null;
    via: string | null;
    owner: number | null;
    created: number | null;
    resolved: number | null;
    children: number[];
  }[];
  callbacks: { name: string; start: number; durationNs: number; file: string | null; line: number | null }[];
  findings: { kind: string; file: string | null; line: number | null; message: string; durationNs: number | null; taskId: number | null }[];
  work: { thread: number; fn: string; start: number; durationNs: number; future: number | null; file: string | null; line: number | null }[];
  loops: { id: number; thread: number | null; events: { t: number; event: string }[] }[];
  meta: {
    runtime: string;
    runtimeVersion: string | null;
    argv: string[];
    cwd: string | null;
    start: string | null;
    exit: { how: string; detail: string | number | null } | null;
    truncated: boolean;
    skipped: number;
    endNs: number;
  };
}

const loc = (site: Site | null) => ({ file: site?.file ?? null, line: site?.line ?? null });

type Entry<K extends keyof Report> = Report[K] extends (infer E)[] ? E : never;

// One entry of each list, shared by buildReport (a TraceIndex) and the streaming report (cli/report.ts).

export function taskEntry(view: TraceView, t: TaskInfo): Entry<'tasks'> {
  return {
    id: t.id,
    name: t.name,
    coroutine: t.coro,
    parent: t.parent,
    state: t.state,
    result: t.result,
    start: t.start,
    end: t.end,
    busyNs: t.busyNs,
    idleNs: t.idleNs,
    scheduledNs: t.scheduledNs,
    steps: view.stepCount(t),
    ...loc(t.site),
    waitNsByKind: Object.fromEntries(WAIT_KINDS.filter((k) => t.idleByKind[k]).map((k) => [k, t.idleByKind[k]!])),
    error: t.error,
    cancelledBy: t.cancelledBy,
    loop: t.loop,
    awaits: t.awaits.map((a) => ({ ...loc(a.site), count: a.count, totalNs: a.totalNs, maxNs: a.maxNs, kind: a.kinds.join('|') })),
    wakers: t.wakers.map((w) => ({ by: w.by, via: w.via, count: w.count })),
    internal: isInternal(view, t),
  };
}

export function futureEntry(f: FutureInfo): Entry<'futures'> {
  return {
    id: f.id,
    kind: f.kind,
    state: f.state,
    resolvedBy: f.resolvedBy,
    ...loc(f.site),
    via: f.via,
    owner: f.owner,
    created: f.created,
    resolved: f.resolved,
    children: f.children,
  };
}

export function callbackEntry(c: CallbackInfo): Entry<'callbacks'> {
  return { name: c.name, start: c.start, durationNs: c.dur, ...loc(c.site) };
}

export function findingEntry(f: Finding): Entry<'findings'> {
  return { kind: f.kind, file: f.file, line: f.line, message: f.message, durationNs: f.durationNs, taskId: f.taskId };
}

export function workEntry(w: WorkInfo): Entry<'work'> {
  return { thread: w.thread, fn: w.fn, start: w.start, durationNs: w.dur, future: w.future, ...loc(w.site) };
}

export function loopEntry(l: LoopInfo): Entry<'loops'> {
  return { id: l.id, thread: l.thread, events: l.events };
}

export function metaEntry(meta: TraceMeta): Report['meta'] {
  return {
    runtime: meta.header.runtime,
    runtimeVersion: meta.header.runtimeVersion,
    argv: meta.header.argv,
    cwd: meta.header.cwd,
    start: meta.header.start,
    exit: meta.exit && { how: meta.exit.how, detail: meta.exit.detail },
    truncated: meta.truncated,
    skipped: meta.skipped,
    endNs: meta.endNs,
  };
}

export function buildReport(index: TraceIndex, findings: Finding[] = findFindings(index)): Report {
  return {
    tasks: index.tasks.map((t) => taskEntry(index, t)),
    futures: index.futures.map(futureEntry),
    callbacks: index.callbacks.map(callbackEntry),
    findings: findings.map(findingEntry),
    work: index.work.map(workEntry),
    loops: index.loops.map(loopEntry),
    meta: metaEntry(index.meta),
  };
}
