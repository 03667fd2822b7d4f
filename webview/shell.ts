// The page's static skeleton, built once. Ids are the contract with the other modules and the tests.

import { FINDING_KINDS } from '../src/model/finding-kinds.js';
import { h } from './dom.js';
import { icon, OUTCOME_ICON } from './icons.js';
import { KINDS } from './kinds.js';
import { scopeBarShell } from './scope-bar.js';

const STATES: [string, string][] = [['all', 'All states'], ['ok', 'Finished'], ['error', 'Failed'], ['cancelled', 'Cancelled'], ['pending', 'Pending']];
const FINDINGS: [string, string][] = [['all', 'All tasks'], ['any', 'With findings'], ...FINDING_KINDS.map((k): [string, string] => [k.kind, k.label])];

const select = (id: string, label: string, options: [string, string][]) =>
  h('select', { id, 'aria-label': label }, ...options.map(([value, text]) => h('option', { value }, text)));

/** An icon-only toolbar button, VS Code style: its title is also its accessible name. */
const button = (id: string, codicon: string, title: string, extra: Record<string, string> = {}) =>
  h('button', { id, type: 'button', title, 'aria-label': title, class: 'tool', ...extra }, icon(codicon));

export function buildShell(root: HTMLElement): void {
  const legend = h('div', { id: 'legend', class: 'legend', 'aria-label': 'Legend' });
  const item = (name: string, text: string) => h('span', { class: 'legend-item', title: KINDS.find((k) => k.name === name)!.label }, h('span', { class: `swatch${name.startsWith('wait') ? ' thin' : ''}`, 'data-kind': name }), text);
  const waits = KINDS.filter((k) => k.name.startsWith('wait') && k.name !== 'wait-other');
  legend.append(
    ...['running', 'scheduled', 'callback', 'work', 'blocked'].map((n) => item(n, KINDS.find((k) => k.name === n)!.short)),
    h('span', { class: 'legend-group' }, h('span', { class: 'legend-label' }, 'waiting on'), ...waits.map((k) => item(k.name, k.short))),
  );
  legend.append(
    h('span', { class: 'legend-group' },
      h('span', { class: 'legend-item' }, icon(OUTCOME_ICON.ok, 'glyph ok'), 'result'),
      h('span', { class: 'legend-item' }, icon(OUTCOME_ICON.error, 'glyph error'), 'exception'),
      h('span', { class: 'legend-item' }, icon(OUTCOME_ICON.cancelled, 'glyph cancelled'), 'cancelled'),
      h('span', { class: 'legend-item' }, icon(OUTCOME_ICON.pending, 'glyph pending'), 'pending at exit'),
      h('span', { class: 'legend-item' }, icon('triangle-down', 'glyph finding'), 'finding'),
      h('span', { class: 'legend-item', title: 'On a task: where a future it awaited was resolved (its colour: the outcome); a click opens the future' }, h('span', { class: 'mark-swatch', 'aria-hidden': 'true' }), 'future resolved'),
    ),
  );
  root.append(
    h('header', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Timeline tools' },
      h('span', { class: 'brand' }, 'Async Lanes'),
      h('span', { id: 'trace-name', class: 'trace-name' }),
      h('span', { class: 'search-box' },
        icon('filter', 'search-icon'),
        h('input', { id: 'search', type: 'search', placeholder: 'Filter tasks…  (/)', 'aria-label': 'Filter tasks by name', spellcheck: 'false' }),
      ),
      select('state-filter', 'Filter by state', STATES),
      select('finding-filter', 'Filter by finding', FINDINGS),
      h('span', { class: 'spacer' }),
      h('span', { class: 'actions' },
        button('zoom-out', 'zoom-out', 'Zoom out (S or -)'),
        button('zoom-in', 'zoom-in', 'Zoom in (W or +)'),
        button('fit', 'arrow-both', 'Fit the whole trace (F or 0)'),
        h('span', { class: 'separator', role: 'separator', 'aria-orientation': 'vertical' }),
        button('follow', 'fold-down', 'Follow the end of a live trace', { 'aria-pressed': 'false' }),
      ),
    ),
    scopeBarShell(),
    h('div', { id: 'notices', class: 'notices', role: 'status', 'aria-live': 'polite' }),
    h('main', { class: 'body' },
      h('section', { class: 'timeline', 'aria-label': 'Timeline' },
        h('div', { class: 'list-head' }, h('span', {}, 'Lanes'), h('span', { id: 'row-count', class: 'muted' })),
        h('div', { class: 'axis-wrap' }, h('canvas', { id: 'axis', 'aria-hidden': 'true' })),
        h('div', { id: 'tree', class: 'tree', role: 'tree', tabindex: 0, 'aria-label': 'Tasks and lanes; arrow keys move, left and right collapse and expand' }, h('div', { id: 'tree-spacer', class: 'tree-spacer' })),
        h('div', { id: 'canvas-wrap', class: 'canvas-wrap' },
          h('canvas', { id: 'lanes', tabindex: 0, role: 'img', 'aria-label': 'Timeline of the lanes listed in the task list; W S zoom, A D pan, F fit, T sets the time cursor' }),
          h('div', { id: 'tooltip', class: 'tooltip', role: 'tooltip', hidden: true }),
        ),
      ),
      h('aside', { class: 'side' },
        h('section', { id: 'details', class: 'details', 'aria-label': 'Details', 'aria-live': 'polite' }),
        h('section', { class: 'findings', 'aria-label': 'Findings' },
          h('h2', {}, 'Findings ', h('span', { id: 'findings-count', class: 'count' })),
          h('ul', { id: 'findings-list', class: 'findings-list', role: 'listbox', 'aria-label': 'Findings', tabindex: 0 }),
        ),
      ),
    ),
    h('footer', { class: 'statusbar' }, legend, h('span', { id: 'status', class: 'status' })),
    h('div', { id: 'source-toast', class: 'toast', role: 'status', hidden: true }),
  );
}
