// Which lanes are rows right now: the depth-first order minus collapsed subtrees, or, while a filter is active, the
// matching lanes with their ancestors (for context). A filter may also be a set of tasks (a code lens's function).

import type { FindingKind } from '../src/model/findings.js';
import type { TaskState } from '../src/model/index.js';
import type { Lane, LaneModel } from './lanes.js';

/** Only these tasks: the ones that ran one function (`label`, "fetch()"); `total` of them ran it when `ids` holds only
 * the first. */
export interface TaskScope {
  ids: ReadonlySet<number>;
  label: string;
  total: number;
}

export interface Filter {
  text: string;
  state: TaskState | 'all';
  finding: FindingKind | 'any' | 'all';
  tasks: TaskScope | null;
}

export const NO_FILTER: Filter = { text: '', state: 'all', finding: 'all', tasks: null };

export function isFiltering(f: Filter): boolean {
  return f.text.trim() !== '' || f.state !== 'all' || f.finding !== 'all' || f.tasks !== null;
}

export function matches(model: LaneModel, lane: Lane, f: Filter): boolean {
  if (f.tasks !== null && !(lane.type === 'task' && f.tasks.ids.has(lane.id))) return false;
  const text = f.text.trim().toLowerCase();
  if (text !== '') {
    const task = lane.type === 'task' ? model.index.task(lane.id) : undefined;
    const hay = `${lane.label}\n${lane.sub ?? ''}\n${task?.coro ?? ''}\n#${lane.id}\n${lane.search ?? ''}`.toLowerCase();
    if (!hay.includes(text)) return false;
  }
  if (f.state !== 'all' && lane.outcome?.state !== f.state) return false;
  if (f.finding === 'any' && lane.findings.length === 0) return false;
  if (f.finding !== 'all' && f.finding !== 'any' && !lane.findings.some((i) => model.findings[i].kind === f.finding)) return false;
  return true;
}

export interface Rows {
  keys: string[];
  /** Rows shown only as ancestors of matches. */
  context: Set<string>;
}

export function visibleRows(model: LaneModel, collapsed: ReadonlySet<string>, f: Filter): Rows {
  const keys: string[] = [];
  const context = new Set<string>();
  if (!isFiltering(f)) {
    let hideDepth = Infinity; // inside a collapsed subtree: rows deeper than this are hidden
    for (const key of model.order) {
      const lane = model.byKey.get(key)!;
      if (lane.depth > hideDepth) continue;
      hideDepth = collapsed.has(key) ? lane.depth : Infinity;
      keys.push(key);
    }
    return { keys, context };
  }
  const shown = new Set<string>();
  for (const key of model.order) {
    const lane = model.byKey.get(key)!;
    if (!matches(model, lane, f)) continue;
    shown.add(key);
    for (let p = lane.parentKey; p !== null && !shown.has(p); p = model.byKey.get(p)!.parentKey) {
      shown.add(p);
      context.add(p);
    }
  }
  for (const key of model.order) if (shown.has(key)) keys.push(key);
  return { keys, context };
}
