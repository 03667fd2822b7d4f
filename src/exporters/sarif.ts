// A trace's findings as a SARIF 2.1.0 log (`async-lanes report --format sarif`), for GitHub code scanning and VS
// Code's SARIF viewer. Pure: the caller reads the trace, finds the findings and writes the text.

import { FINDING_KINDS } from '../model/finding-kinds.js';
import type { Finding } from '../model/findings.js';
import { displayPath } from '../model/format.js';
import type { TraceView } from '../model/index.js';
import { taskTitle } from '../model/task-label.js';
import type { Site } from '../model/types.js';

/** The OASIS standard's schema (2.1.0 with its errata), which GitHub code scanning accepts. */
export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** The base that relative artifact URIs name: the traced program's working directory. */
export const SRCROOT = 'SRCROOT';

// The part of SARIF this writes.
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

export interface SarifRun {
  tool: { driver: { name: string; version: string; rules: SarifRule[] } };
  originalUriBaseIds?: Record<string, { uri: string }>;
  results: SarifResult[];
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  defaultConfiguration: { level: 'error' | 'warning' };
}

export interface SarifPhysicalLocation {
  artifactLocation: { uri: string; uriBaseId?: string };
  region?: { startLine: number };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: 'error' | 'warning';
  message: { text: string };
  locations?: { physicalLocation: SarifPhysicalLocation }[];
  relatedLocations?: { id: number; physicalLocation: SarifPhysicalLocation; message: { text: string } }[];
  properties: { taskId: number | null; task: string | null; durationNs: number | null };
}

/** One rule per finding kind, in the table's order: "blocked-loop" named BlockedLoop. */
export function sarifRules(): SarifRule[] {
  return FINDING_KINDS.map((k) => ({
    id: k.kind,
    name: k.kind.replace(/(?:^|-)(\w)/g, (_, c: string) => c.toUpperCase()),
    shortDescription: { text: k.label },
    defaultConfiguration: { level: k.severity },
  }));
}

/** The SARIF log of a trace's findings: one result per finding, in their order. */
export function sarifLog(view: Pick<TraceView, 'meta' | 'task'>, findings: readonly Finding[], tool: { version: string }): SarifLog {
  const rules = sarifRules();
  const cwd = view.meta.header.cwd;
  const root = cwd !== null && isAbsolute(cwd) ? cwd : null;
  const locate = (file: string | null, line: number | null) => physicalLocation(file, line, root);
  const results = findings.map((f): SarifResult => {
    const ruleIndex = rules.findIndex((r) => r.id === f.kind);
    const task = f.taskId === null ? undefined : view.task(f.taskId);
    const where = locate(f.file, f.line);
    const created = task?.site && !sameLine(task.site, f) ? locate(task.site.file, task.site.line) : null;
    return {
      ruleId: f.kind,
      ruleIndex,
      level: rules[ruleIndex].defaultConfiguration.level,
      message: { text: f.message },
      ...(where && { locations: [{ physicalLocation: where }] }),
      ...(created && task && { relatedLocations: [{ id: 1, physicalLocation: created, message: { text: `${taskTitle(task)} was created here` } }] }),
      properties: { taskId: f.taskId, task: task ? taskTitle(task) : null, durationNs: f.durationNs },
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'Async Lanes', version: tool.version, rules } },
      ...(root !== null && { originalUriBaseIds: { [SRCROOT]: { uri: fileUri(root.replace(/[\\/]*$/, '/')) } } }),
      results,
    }],
  };
}

function sameLine(site: Site, f: Finding): boolean {
  return site.file === f.file && site.line === f.line;
}

/** A file under the program's working directory relative to SRCROOT (what code scanning maps to the repository);
 * any other path as an absolute file: URI; no location for what is not a file (`<string>`, `<frozen ...>`). */
function physicalLocation(file: string | null, line: number | null, root: string | null): SarifPhysicalLocation | null {
  if (file === null || file === '' || file.startsWith('<')) return null;
  const region = line !== null && line >= 1 ? { region: { startLine: line } } : {};
  // Already a URI (`file:///...`, `node:internal/...`); a drive letter's one character is not a scheme.
  if (/^[a-z][a-z\d+.-]+:/i.test(file)) return { artifactLocation: { uri: file }, ...region };
  const relative = root === null ? file : displayPath(file, root);
  if (relative !== file || !isAbsolute(file)) {
    return { artifactLocation: { uri: encodePath(relative.replace(/\\/g, '/')), ...(root !== null && { uriBaseId: SRCROOT }) }, ...region };
  }
  return { artifactLocation: { uri: fileUri(file) }, ...region };
}

/** `/a/b`, `C:\a`, `\\server\share\a`. */
function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

function fileUri(path: string): string {
  const p = path.replace(/\\/g, '/');
  // UNC `//server/share/a` keeps its host; `/a` and `C:/a` get the empty host.
  return p.startsWith('//') ? 'file:' + encodePath(p) : 'file://' + (p.startsWith('/') ? '' : '/') + encodePath(p);
}

/** Each segment percent-encoded (spaces, `#`, `%`...); a drive's colon kept. */
function encodePath(path: string): string {
  return path.split('/').map((s, i) => (i === 0 && /^[A-Za-z]:$/.test(s) ? s : encodeURIComponent(s))).join('/');
}
