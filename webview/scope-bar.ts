// The bar above the lanes while a code lens's filter is on ("Showing 3 tasks of fetch()  Show all"): what the lanes
// are limited to, and the one way back to all of them.

import { byId, h } from './dom.js';
import { icon } from './icons.js';
import type { TaskScope } from './rows.js';

const tasks = (n: number) => `${n.toLocaleString('en')} task${n === 1 ? '' : 's'}`;

/** What the bar says: `present` of the scope's tasks are in the trace, `shown` of them are rows (other filters may
 * hide some). */
export function scopeText(scope: TaskScope, present: number, shown: number): string {
  const of = shown === present ? tasks(present) : `${shown.toLocaleString('en')} of ${tasks(present)}`;
  const more = scope.total > scope.ids.size ? ` (the first ${scope.ids.size.toLocaleString('en')} of ${tasks(scope.total)} that ran it)` : '';
  return `Showing ${of} of ${scope.label}${more}`;
}

export class ScopeBar {
  private readonly el = byId('scope-bar');
  private readonly text = byId('scope-text');

  constructor(clear: () => void) {
    byId('scope-clear').addEventListener('click', clear);
  }

  render(scope: TaskScope | null, present: number, shown: number): void {
    this.el.hidden = scope === null;
    if (scope !== null) this.text.textContent = scopeText(scope, present, shown);
  }
}

/** The bar's skeleton (shell.ts), hidden until a filter comes. */
export function scopeBarShell(): HTMLElement {
  return h('div', { id: 'scope-bar', class: 'scope-bar', role: 'status', hidden: true },
    icon('filter'),
    h('span', { id: 'scope-text' }),
    h('button', { id: 'scope-clear', type: 'button', title: 'Show all lanes (Esc)' }, 'Show all'),
  );
}
