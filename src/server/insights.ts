// What the loaded recordings know about one source file, placed on the lines of its current text: diagnostics,
// hovers, code lenses and inlay hints. Pure functions of the recordings and the document's lines.

import {
  DiagnosticSeverity,
  InlayHintKind,
  MarkupKind,
  type CodeLens,
  type Diagnostic,
  type Hover,
  type InlayHint,
} from 'vscode-languageserver';
import { pathToFileURL } from 'node:url';
import { basename } from 'node:path';
import { findingKind } from '../model/finding-kinds.js';
import { formatDuration } from '../model/format.js';
import type { AwaitLineStats, CreationLineStats, FunctionStats, Tally } from '../model/site-stats.js';
import type { LoadedTrace, LocatedFinding } from './loaded-trace.js';
import { codeRange, placeLine } from './line-map.js';

export const SOURCE = 'Async Lanes';
/** The client command a code lens runs: open the recording's timeline filtered to these tasks
 * ({ trace, taskIds, label, total }). */
export const SHOW_TASKS_COMMAND = 'asyncLanes.showTasks';
export const STALE_NOTE = '(stale: this line changed since the recording)';

/** What a diagnostic carries for its quick fix. */
export interface FindingData {
  kind: string;
  trace: string;
  /** Blocked by a task's step (a coroutine), not by a plain callback. */
  inTask: boolean;
  /** The never-awaited coroutine's name, from the runtime's warning. */
  callee: string | null;
  stale: boolean;
}

/** One file's share of the recordings. */
export interface FileInsights {
  findings: { f: LocatedFinding; trace: LoadedTrace }[];
  awaits: { a: AwaitLineStats; trace: LoadedTrace }[];
  functions: { fn: FunctionStats; trace: LoadedTrace }[];
  creations: { c: CreationLineStats; trace: LoadedTrace }[];
}

/** The recordings' insights by absolute source path. */
export function indexByFile(traces: readonly LoadedTrace[]): Map<string, FileInsights> {
  const out = new Map<string, FileInsights>();
  const of = (file: string) => {
    let x = out.get(file);
    if (!x) out.set(file, (x = { findings: [], awaits: [], functions: [], creations: [] }));
    return x;
  };
  for (const trace of traces) {
    for (const f of trace.findings) of(f.file).findings.push({ f, trace });
    for (const a of trace.stats.awaits) of(a.file).awaits.push({ a, trace });
    for (const fn of trace.stats.functions) of(fn.file).functions.push({ fn, trace });
    for (const c of trace.stats.creations) of(c.file).creations.push({ c, trace });
  }
  return out;
}

const uri = (file: string) => pathToFileURL(file).href;

/** Unretrieved exceptions are errors; a blocked loop, a coroutine never awaited and a task left pending are warnings:
 * the program ran, but not as written. */
function severity(kind: string): DiagnosticSeverity {
  return kind === 'unretrieved-exception' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning;
}

/** Every finding in the file at its line now; a finding whose line changed since the recording is kept, marked
 * stale, as information. `current`: the open document's lines, null when it is not open. */
export function diagnostics(file: string, ins: FileInsights | undefined, current: string[] | null): Diagnostic[] {
  if (!ins) return [];
  return ins.findings.map(({ f, trace }) => {
    const recorded = trace.sources.get(file);
    const at = placeLine(f.line, recorded, current);
    const text = (current ?? recorded ?? [])[at.line - 1];
    const related = [];
    if (f.created && f.task) {
      related.push({ location: { uri: uri(f.created.file), range: lineRange(f.created.line) }, message: `${f.task} was created here` });
    }
    related.push({ location: { uri: uri(trace.file), range: lineRange(1) }, message: `recorded in ${basename(trace.file)} at t=${formatDuration(f.time)}` });
    const data: FindingData = { kind: f.kind, trace: trace.file, inTask: f.taskId !== null, callee: calleeOf(f), stale: at.stale };
    return {
      range: codeRange(text, at.line - 1),
      severity: at.stale ? DiagnosticSeverity.Information : severity(f.kind),
      source: SOURCE,
      code: f.kind,
      message: `${findingKind(f.kind).label}: ${f.message}${f.task && !f.message.includes(f.task) ? ` (task ${f.task})` : ''}${at.stale ? ` ${STALE_NOTE}` : ''}`,
      relatedInformation: related,
      data,
    };
  });
}

/** "coroutine 'save' was never awaited" → "save". */
function calleeOf(f: LocatedFinding): string | null {
  if (f.kind !== 'never-awaited') return null;
  const m = /coroutine '([^']+)'/.exec(f.message);
  return m ? m[1].slice(m[1].lastIndexOf('.') + 1) : null;
}

function lineRange(line: number) {
  return { start: { line: Math.max(0, line - 1), character: 0 }, end: { line: Math.max(0, line - 1), character: 0 } };
}

/** The await and creation figures of the 1-based `line` now, as Markdown; null when the recordings say nothing. */
export function hover(file: string, ins: FileInsights | undefined, current: string[] | null, line: number): Hover | null {
  if (!ins) return null;
  const parts: string[] = [];
  const here = (l: number, trace: LoadedTrace) => {
    const at = placeLine(l, trace.sources.get(file), current);
    return !at.stale && at.line === line;
  };
  for (const { a, trace } of ins.awaits) {
    if (!here(a.line, trace)) continue;
    parts.push([
      `**Async Lanes** · awaited ${a.count}× · ${basename(trace.file)}`,
      '',
      `- wait: total ${formatDuration(a.totalNs)} · median ${formatDuration(a.medianNs)} · max ${formatDuration(a.maxNs)}${a.paused > 0 ? ` (a debugger's pauses left out of ${a.paused})` : ''}`,
      `- awaited: ${tallyText(a.awaited)}`,
      ...(a.wakers.length > 0 ? [`- woken most often by: ${a.wakers[0].label} (${a.wakers[0].count} of ${a.count})`] : []),
    ].join('\n'));
  }
  for (const { c, trace } of ins.creations) {
    if (!here(c.line, trace)) continue;
    const lines = [`**Async Lanes** · ${basename(trace.file)}`, ''];
    if (c.tasks > 0) lines.push(`- created ${c.tasks} task${c.tasks === 1 ? '' : 's'} (${tallyText(c.runs)}): ${statesText(c.ended)}`);
    if (c.gathers > 0) lines.push(`- gathered ${c.gathers}×: ${statesText(c.children) || 'nothing'}`);
    parts.push(lines.join('\n'));
  }
  if (parts.length === 0) return null;
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') } };
}

function tallyText(t: Tally[]): string {
  return t.map((x) => `${x.label} ×${x.count}`).join(', ');
}

function statesText(states: Partial<Record<string, number>>): string {
  return Object.entries(states).map(([s, n]) => `${n} ${s === 'ok' ? 'ok' : s}`).join(', ');
}

/** A lens above each async function of the file that ran: calls, busy and wait p50/p95, blocked-loop count. */
export function codeLenses(file: string, ins: FileInsights | undefined, lines: string[]): CodeLens[] {
  if (!ins) return [];
  const out: CodeLens[] = [];
  for (const { fn, trace } of ins.functions) {
    const at = definitionLine(lines, fn.func, /\.py[iw]?$/i.test(file));
    if (at < 0) continue;
    const blocked = fn.blocked > 0 ? ` · blocked the loop ${fn.blocked}×` : '';
    const paused = fn.paused > 0 ? ' · paused time left out' : '';
    const title = `${fn.calls} call${fn.calls === 1 ? '' : 's'} · busy p50 ${formatDuration(fn.busyP50)}, p95 ${formatDuration(fn.busyP95)} · wait p50 ${formatDuration(fn.waitP50)}, p95 ${formatDuration(fn.waitP95)}${blocked}${paused}`;
    out.push({
      range: codeRange(lines[at], at),
      command: { title, command: SHOW_TASKS_COMMAND, arguments: [{ trace: trace.file, taskIds: fn.taskIds, label: `${fn.func}()`, total: fn.calls }] },
    });
  }
  return out;
}

/** The 0-based line of `async def name(` (Python) or of an async function or method `name` (JavaScript,
 * TypeScript); -1 when there is none. */
export function definitionLine(lines: readonly string[], name: string, python: boolean): number {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns = python
    ? [new RegExp(`^\\s*async\\s+def\\s+${n}\\s*[(\\[]`)]
    : [
        new RegExp(`\\basync\\s+function\\s*\\*?\\s*${n}\\s*[<(]`),
        // `const name = async (`, `const name: Type = async`, `name: async function`
        new RegExp(`(?:^|[\\s,{])${n}\\s*(?::[^=;]*)?[=:]\\s*async\\b`),
        new RegExp(`^\\s*(?:(?:static|public|private|protected|override)\\s+)*async\\s+\\*?\\s*${n}\\s*[<(]`),
      ];
  for (const re of patterns) {
    const i = lines.findIndex((l) => re.test(l));
    if (i >= 0) return i;
  }
  return -1;
}

/** The median wait at the end of each await line in the 0-based range [from, to]. */
export function inlayHints(file: string, ins: FileInsights | undefined, current: string[], from: number, to: number): InlayHint[] {
  if (!ins) return [];
  const out: InlayHint[] = [];
  for (const { a, trace } of ins.awaits) {
    const at = placeLine(a.line, trace.sources.get(file), current);
    const line0 = at.line - 1;
    if (at.stale || line0 < from || line0 > to || current[line0] === undefined) continue;
    out.push({
      position: { line: line0, character: current[line0].length },
      label: `median wait ${formatDuration(a.medianNs)} (${a.count}×)`,
      kind: InlayHintKind.Type,
      paddingLeft: true,
    });
  }
  return out;
}
