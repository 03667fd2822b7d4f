// The one table of finding kinds: every reader (report, timeline, side bar, and later the language server) takes a
// kind's label, icon, severity and order from here.

export type FindingKind = 'blocked-loop' | 'never-awaited' | 'unretrieved-exception' | 'pending-at-exit';

export interface FindingKindInfo {
  kind: FindingKind;
  /** For menus and lists: "Blocked the loop". */
  label: string;
  /** A VS Code codicon name. */
  icon: string;
  severity: 'error' | 'warning';
}

/** In the order findings of the same instant are listed. */
export const FINDING_KINDS: readonly FindingKindInfo[] = [
  { kind: 'blocked-loop', label: 'Blocked the loop', icon: 'stop-circle', severity: 'error' },
  { kind: 'unretrieved-exception', label: 'Unretrieved exception', icon: 'error', severity: 'error' },
  { kind: 'never-awaited', label: 'Never awaited', icon: 'warning', severity: 'warning' },
  { kind: 'pending-at-exit', label: 'Pending at exit', icon: 'clock', severity: 'warning' },
];

const BY_KIND = new Map(FINDING_KINDS.map((k, i) => [k.kind, { ...k, order: i }]));

/** The kind's entry; an unknown kind (a newer trace's) gets a neutral one. */
export function findingKind(kind: string): FindingKindInfo & { order: number } {
  return BY_KIND.get(kind as FindingKind) ?? { kind: kind as FindingKind, label: kind, icon: 'info', severity: 'warning', order: FINDING_KINDS.length };
}

export function isFindingKind(kind: string): kind is FindingKind {
  return BY_KIND.has(kind as FindingKind);
}

/** The recorders' default: a step or callback longer than this blocked the loop. */
export const DEFAULT_BLOCK_THRESHOLD_MS = 100;
