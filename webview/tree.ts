// The accessible task list: an ARIA tree that mirrors the canvas rows one to one (same order, same height), so it
// doubles as the lanes' labels. Virtualized: only rows in view (plus a margin) exist in the DOM; focus stays on the
// tree and aria-activedescendant names the selected row.

import { formatDuration } from '../src/model/format.js';
import { outcomeText } from './describe.js';
import { h } from './dom.js';
import { stateAt, stateLabel } from './hit.js';
import { icon, OUTCOME_ICON } from './icons.js';
import type { Lane, LaneModel } from './lanes.js';
import { ROW_H } from './layout.js';

const OVERSCAN = 8;

export interface TreeState {
  model: LaneModel;
  rows: string[];
  context: ReadonlySet<string>;
  collapsed: ReadonlySet<string>;
  selected: string | null;
  cursorT: number | null;
}

export interface TreeEvents {
  select(key: string): void;
  toggle(key: string): void;
}

export const rowId = (key: string): string => `lane-${key.replace(':', '-')}`;

export class TaskTree {
  private drawn = '';

  constructor(private readonly el: HTMLElement, private readonly spacer: HTMLElement, events: TreeEvents) {
    el.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('[role=treeitem]');
      if (!row?.dataset.key) return;
      // A group opens with one click anywhere on its row (asyncio internals, folded futures); other rows toggle on
      // their twisty only.
      const twisty = (e.target as HTMLElement).closest('.twisty') !== null;
      if (twisty || row.classList.contains('group')) events.toggle(row.dataset.key);
      if (!twisty) events.select(row.dataset.key);
      el.focus({ preventScroll: true });
    });
  }

  get scrollTop(): number {
    return this.el.scrollTop;
  }

  set scrollTop(v: number) {
    this.el.scrollTop = v;
  }

  get viewHeight(): number {
    return this.el.clientHeight;
  }

  /** Scrolls the minimum to show row `r`. */
  reveal(r: number): void {
    const top = r * ROW_H;
    if (top < this.el.scrollTop) this.el.scrollTop = top;
    else if (top + ROW_H > this.el.scrollTop + this.el.clientHeight) this.el.scrollTop = top + ROW_H - this.el.clientHeight;
  }

  /** Re-renders the rows in view when anything they show changed (`version`) or the scroll moved. */
  render(s: TreeState, version: number): void {
    this.spacer.style.height = `${s.rows.length * ROW_H}px`;
    const first = Math.max(0, Math.floor(this.el.scrollTop / ROW_H) - OVERSCAN);
    const last = Math.min(s.rows.length, Math.ceil((this.el.scrollTop + this.el.clientHeight) / ROW_H) + OVERSCAN);
    const sig = `${version}:${first}:${last}`;
    if (sig === this.drawn) return;
    this.drawn = sig;
    const rows: HTMLElement[] = [];
    for (let r = first; r < last; r++) rows.push(this.row(s, s.model.byKey.get(s.rows[r])!, r));
    this.spacer.replaceChildren(...rows);
    // Only a row that exists can be the active descendant (the selected one may be scrolled out of the DOM).
    const active = s.selected !== null && this.spacer.querySelector(`#${rowId(s.selected)}`) ? rowId(s.selected) : undefined;
    if (active) this.el.setAttribute('aria-activedescendant', active);
    else this.el.removeAttribute('aria-activedescendant');
  }

  private row(s: TreeState, lane: Lane, r: number): HTMLElement {
    const hasChildren = lane.childKeys.length > 0;
    const expanded = hasChildren ? !s.collapsed.has(lane.key) : undefined;
    const siblings = lane.parentKey === null ? null : s.model.byKey.get(lane.parentKey)!.childKeys;
    const status = rowStatus(s, lane);
    // A future's row reads its whole outcome to a screen reader: the value and who resolved it, as the canvas shows.
    const told = lane.story && s.cursorT === null ? `${status}, ${outcomeText(lane.outcome!)}` : status;
    const label = `${lane.label}${KIND_WORDS[lane.type](lane)}, ${told}${lane.findings.length ? `, ${lane.findings.length} finding${lane.findings.length > 1 ? 's' : ''}` : ''}`;
    const el = h('div', {
      role: 'treeitem',
      id: rowId(lane.key),
      class: `row ${lane.type}${lane.key === s.selected ? ' selected' : ''}${s.context.has(lane.key) ? ' context' : ''}`,
      'aria-level': lane.depth + 1,
      'aria-expanded': expanded === undefined ? undefined : String(expanded),
      'aria-selected': String(lane.key === s.selected),
      'aria-posinset': siblings ? siblings.indexOf(lane.key) + 1 : undefined,
      'aria-setsize': siblings ? siblings.length : undefined,
      'aria-label': label,
      'data-key': lane.key,
      'data-state': lane.outcome?.state ?? lane.type,
    },
      h('span', { class: 'twisty', 'aria-hidden': 'true', title: hasChildren ? (expanded ? 'Collapse' : 'Expand') : undefined }, hasChildren ? icon(expanded ? 'chevron-down' : 'chevron-right') : null),
      icon(LANE_ICON[lane.type], `lane-icon ${lane.type}`),
      h('span', { class: 'name', title: lane.sub !== null ? `${lane.label} (${lane.sub})` : lane.label }, lane.label, lane.sub !== null && lane.type !== 'group' ? h('span', { class: 'sub' }, ` ${lane.sub}`) : null),
      lane.findings.length > 0 ? h('span', { class: 'badge', 'aria-hidden': 'true', title: `${lane.findings.length} finding${lane.findings.length > 1 ? 's' : ''}` }, icon('warning'), String(lane.findings.length)) : null,
      h('span', { class: `meta ${s.cursorT !== null ? 'at-cursor' : ''}`, 'aria-hidden': 'true' }, ...metaContent(s, lane, status)),
    );
    el.style.top = `${r * ROW_H}px`;
    el.style.paddingLeft = `${4 + lane.depth * 14}px`;
    return el;
  }
}

const LANE_ICON: Record<Lane['type'], string> = { loop: 'sync', thread: 'server-process', task: 'symbol-method', future: 'symbol-event', group: 'folder' };

/** What the row is, after its label, for a screen reader. */
const KIND_WORDS: Record<Lane['type'], (lane: Lane) => string> = {
  task: (l) => (l.sub !== null ? ` (${l.sub})` : ''),
  loop: () => ' (event loop)',
  thread: () => ' (executor thread)',
  future: () => ' (future)',
  group: () => ' (group)',
};

/** The right-hand text as shown: an outcome's glyph becomes its codicon. */
function metaContent(s: TreeState, lane: Lane, status: string): (Node | string)[] {
  if (s.cursorT !== null || !lane.outcome) return [status];
  return [icon(OUTCOME_ICON[lane.outcome.state], `outcome ${lane.outcome.state}`), status.slice(status.indexOf(' ') + 1)];
}

/** The row's right-hand text: its state at the time cursor, else its outcome (or, for loops and threads, a count). */
function rowStatus(s: TreeState, lane: Lane): string {
  if (s.cursorT !== null) return stateLabel(stateAt(lane, s.cursorT));
  if (lane.story) return `${outcomeText(lane.outcome!).split(/[\s:]/)[0]} ${formatDuration(lane.outcome!.t - (lane.segs.start[0] ?? 0))}`;
  // A group says what it holds where other rows say how they ended.
  if (lane.type === 'group') return lane.sub ?? '';
  if (lane.outcome) {
    const task = s.model.index.task(lane.id)!;
    const span = formatDuration((task.end ?? s.model.endNs) - task.start);
    return `${outcomeText(lane.outcome).split(/[\s:]/)[0]} ${span}`;
  }
  return `${lane.segs.count} segment${lane.segs.count === 1 ? '' : 's'}`;
}
