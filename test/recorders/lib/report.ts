// The report JSON of `async-lanes report --json` (the parts the example tests read), plus helpers to find tasks,
// marker lines and intervals. Kept local on purpose: the tests read the CLI's output as an outside tool would.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

export interface ReportTask {
  id: number;
  name: string;
  coroutine: string;
  parent: number | null;
  state: 'ok' | 'error' | 'cancelled' | 'pending';
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
  loop?: number | null;
  awaits: { file: string | null; line: number | null; count: number; totalNs: number; maxNs: number; kind: string }[];
  wakers?: { by: number | null; via: string | null; count: number }[];
}

export interface ReportFuture {
  id: number;
  kind: string;
  state: string;
  resolvedBy: number | null;
  via: string | null;
  file: string | null;
  line: number | null;
  owner?: number | null;
  created?: number | null;
  resolved?: number | null;
  children?: number[];
}

export interface Report {
  tasks: ReportTask[];
  futures: ReportFuture[];
  callbacks: { name: string; start: number; durationNs: number; file: string | null; line: number | null }[];
  work: { thread: number; fn: string; start: number; durationNs: number; future: number | null; file: string | null; line: number | null }[];
  findings: { kind: string; file: string | null; line: number | null; message: string; durationNs: number | null; taskId: number | null }[];
  loops?: { id: number; thread: number | null; events: { t: number; event: string }[] }[];
  meta: {
    runtime: string;
    runtimeVersion: string | null;
    argv: string[];
    exit: { how: string; detail: string | number | null } | null;
    truncated: boolean;
    skipped: number;
    endNs: number;
    [k: string]: unknown;
  };
}

export const MS = 1_000_000;

/** 1-based line of the unique source line carrying `# <marker>` (e.g. `await: fetch-sleep`). */
export function markerLine(file: string, marker: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const re = new RegExp(`#\\s*${marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`);
  const hits = lines.map((l, i) => (re.test(l) ? i + 1 : 0)).filter((n) => n > 0);
  if (hits.length !== 1) throw new Error(`marker "# ${marker}" found ${hits.length} times in ${file} (want exactly 1)`);
  return hits[0];
}

/** 1-based line of `def name(` / `async def name(` in the file. */
export function defLine(file: string, name: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => new RegExp(`^\\s*(async\\s+)?def\\s+${name}\\(`).test(l));
  if (i < 0) throw new Error(`no def ${name} in ${file}`);
  return i + 1;
}

/** "fetch()" / "Connection.__aenter__" / "<locals>.x" → the last dotted part without "()". */
export function coroName(task: ReportTask): string {
  return task.coroutine.replace(/\(\)$/, '').split('.').at(-1) ?? '';
}

/** Tasks asyncio creates for itself (asyncio.run's cleanup, getaddrinfo, accepting connections); not part of what the
 * example shows. */
export function isRuntimeTask(task: ReportTask): boolean {
  const coro = task.coroutine.replace(/\(\)$/, '');
  return /^(shutdown_asyncgens|shutdown_default_executor)$/.test(coro) || /^Base(Selector|Proactor)?EventLoop\./.test(coro);
}

export function programTasks(report: Report): ReportTask[] {
  return report.tasks.filter((t) => !isRuntimeTask(t));
}

export function tasksOf(report: Report, coro: string): ReportTask[] {
  return report.tasks.filter((t) => coroName(t) === coro);
}

export function oneTask(report: Report, coro: string): ReportTask {
  const found = tasksOf(report, coro);
  assert.equal(found.length, 1, `expected exactly one task running ${coro}(), found ${found.length}: ${describeTasks(report)}`);
  return found[0];
}

export function taskNamed(report: Report, name: string): ReportTask {
  const found = report.tasks.filter((t) => t.name === name);
  assert.equal(found.length, 1, `expected exactly one task named ${name}, found ${found.length}: ${describeTasks(report)}`);
  return found[0];
}

export function describeTasks(report: Report): string {
  return JSON.stringify(report.tasks.map((t) => `${t.id}:${t.name}:${t.coroutine}<-${t.parent}:${t.state}`));
}

/** Sorted multiset of program task coroutine names. */
export function coroutineNames(report: Report): string[] {
  return programTasks(report).map(coroName).sort();
}

export function endOf(task: ReportTask): number {
  assert.notEqual(task.end, null, `task ${task.name} (${task.coroutine}) has no end`);
  return task.end!;
}

/** The two tasks' [start, end] intervals overlap (they were alive at the same time). */
export function overlap(a: ReportTask, b: ReportTask): boolean {
  return a.start < endOf(b) && b.start < endOf(a);
}

export function awaitsAt(task: ReportTask, file: string, line: number) {
  return task.awaits.filter((a) => a.file === file && a.line === line);
}

/** The task's single await site at file:line (asserts there is one). */
export function awaitAt(task: ReportTask, file: string, line: number) {
  const found = awaitsAt(task, file, line);
  assert.equal(
    found.length,
    1,
    `task ${task.name} (${task.coroutine}): expected an await at line ${line}, awaits are ${JSON.stringify(task.awaits.map((a) => `${a.line}:${a.kind}x${a.count}`))}`,
  );
  return found[0];
}

export function wait(task: ReportTask, kind: string): number {
  return task.waitNsByKind[kind] ?? 0;
}

export function ms(ns: number | null | undefined): string {
  return ns === null || ns === undefined ? String(ns) : `${(ns / MS).toFixed(1)} ms`;
}
