// Plain-text rendering of a trace for the terminal: a header line, a task table in the spirit of tokio-console,
// the findings, and a one-line summary. Program data (names, reprs, paths) is shown with control and bidi
// characters escaped, so a trace cannot move the cursor or recolour the terminal.

import type { Finding } from '../model/findings.js';
import { displayPath, formatArgv, formatDuration, formatSite } from '../model/format.js';
import { isInternal } from '../model/internal.js';
import { taskTitle } from '../model/task-label.js';
import type { TaskInfo, TaskState, TraceView } from '../model/index.js';

const STATE_MARK: Record<TaskState, string> = { ok: '✓ ok', error: '✗ error', cancelled: '⊘ cancelled', pending: '… pending' };
const MAX_NAME = 48;
const MAX_DEPTH = 8;

function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code === 10 ? '\\n' : code === 9 ? '\\t' : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** The longest text's length (a loop: a trace can have more tasks than a spread call takes arguments). */
function widest(texts: string[]): number {
  let w = 0;
  for (const t of texts) if (t.length > w) w = t.length;
  return w;
}

export function renderReport(index: TraceView, findings: Finding[]): string {
  return [...reportLines(index, findings)].join('\n') + '\n';
}

/** The report's lines (without their newline), made as they are asked for: a trace's report can have a row for each
 * of hundreds of thousands of tasks, which the CLI writes out as they come instead of holding them all. */
export function* reportLines(index: TraceView, findings: Finding[]): Generator<string> {
  const cwd = index.meta.header.cwd;
  yield headerLine(index);
  yield '';
  yield* taskTable(index, cwd);
  if (findings.length > 0) {
    yield '';
    yield 'Findings';
    const where = findings.map((f) => printable(f.file === null ? '?' : `${displayPath(f.file, cwd)}:${f.line ?? '?'}`));
    const w = Math.min(MAX_NAME, widest(where)); // a long path overflows, not the column
    const k = widest(findings.map((f) => f.kind));
    for (let i = 0; i < findings.length; i++) yield `  ${where[i].padEnd(w)}  ${findings[i].kind.padEnd(k)}  ${printable(findings[i].message)}`;
  }
  yield '';
  yield summaryLine(index, findings);
}

function headerLine(index: TraceView): string {
  const { header, exit, endNs } = index.meta;
  const runtime = [header.runtime, header.runtimeVersion].filter(Boolean).join(' ');
  const argv = formatArgv(header.argv) || '(no argv)';
  let ending: string;
  if (!exit) ending = 'cut off (no exit record)';
  else if (exit.how === 'exit') ending = `exit ${exit.detail ?? '?'}`;
  else if (exit.how === 'signal') ending = `killed by ${exit.detail ?? 'a signal'}`;
  else if (exit.how === 'exception') ending = `exception ${exit.detail ?? ''}`.trimEnd();
  else ending = `${exit.how} ${exit.detail ?? ''}`.trimEnd();
  return printable(`${runtime} · ${argv} · ${formatDuration(exit?.t ?? endNs)} · ${ending}`);
}

/** Tasks in tree order (children under their parent, creation order), with their depth; asyncio's own tasks
 * (model/internal.ts) last, under an "asyncio internals" heading (null), as the timeline groups them. Iterative: a
 * chain of tasks each awaiting a new one can be any number of levels deep. */
function treeOrder(index: TraceView): ({ task: TaskInfo; depth: number } | null)[] {
  const out: ({ task: TaskInfo; depth: number } | null)[] = [];
  const seen = new Set<number>();
  const internal = new Set(index.tasks.filter((t) => isInternal(index, t)).map((t) => t.id));
  const stack: { task: TaskInfo; depth: number }[] = [];
  const walk = (root: TaskInfo, depth0: number): void => {
    stack.push({ task: root, depth: depth0 });
    while (stack.length > 0) {
      const { task, depth } = stack.pop()!;
      if (seen.has(task.id)) continue;
      seen.add(task.id);
      out.push({ task, depth });
      for (let i = task.children.length - 1; i >= 0; i--) {
        const child = index.task(task.children[i]);
        if (child && !seen.has(child.id) && !internal.has(child.id)) stack.push({ task: child, depth: depth + 1 });
      }
    }
  };
  const program = index.tasks.filter((t) => !internal.has(t.id));
  for (const t of program) if (t.parent === null || !index.task(t.parent) || internal.has(t.parent)) walk(t, 0);
  for (const t of program) walk(t, 0); // parent cycles: whatever was not reached from a root
  if (internal.size > 0) out.push(null);
  for (const t of index.tasks) if (internal.has(t.id)) walk(t, 1);
  return out;
}

function* taskTable(index: TraceView, cwd: string | null): Generator<string> {
  if (index.tasks.length === 0) {
    yield '(no tasks)';
    return;
  }
  const order = treeOrder(index);
  const cells = (entry: { task: TaskInfo; depth: number } | null): string[] => {
    if (entry === null) return ['', 'asyncio internals', '', '', '', '', '', '', ''];
    const { task, depth } = entry;
    const name = '  '.repeat(Math.min(depth, MAX_DEPTH)) + printable(taskTitle(task));
    return [
      String(task.id),
      name.length > MAX_NAME ? name.slice(0, MAX_NAME - 1) + '…' : name,
      STATE_MARK[task.state],
      formatDuration((task.end ?? index.meta.endNs) - task.start),
      formatDuration(task.busyNs),
      formatDuration(task.idleNs),
      formatDuration(task.scheduledNs),
      String(index.stepCount(task)),
      printable(formatSite(task.site, cwd)),
    ];
  };
  const head = ['ID', 'NAME', 'STATE', 'TOTAL', 'BUSY', 'IDLE', 'SCHED', 'STEPS', 'LOCATION'];
  const right = [true, false, false, true, true, true, true, true, false];
  // The widths from a first pass; the rows are made again as they are written rather than kept.
  const widths = head.map((h) => h.length);
  for (const entry of order) {
    const r = cells(entry);
    for (let c = 0; c < r.length; c++) if (r[c].length > widths[c]) widths[c] = r[c].length;
  }
  const fmt = (r: string[]) =>
    r.map((cell, c) => (c === r.length - 1 ? cell : right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  yield fmt(head);
  for (const entry of order) yield fmt(cells(entry));
}

function summaryLine(index: TraceView, findings: Finding[]): string {
  const states = new Map<string, number>();
  for (const t of index.tasks) states.set(t.state, (states.get(t.state) ?? 0) + 1);
  const kinds = new Map<string, number>();
  for (const f of findings) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  const list = (m: Map<string, number>) => [...m].map(([k, n]) => `${n} ${k}`).join(', ');
  const tasks = `${index.tasks.length} task${index.tasks.length === 1 ? '' : 's'}${states.size ? ` (${list(states)})` : ''}`;
  const found = `${findings.length} finding${findings.length === 1 ? '' : 's'}${kinds.size ? ` (${list(kinds)})` : ''}`;
  return `${tasks}, ${found}`;
}
