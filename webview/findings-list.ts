// The findings list beside the timeline: one option per finding; choosing one selects its place.

import { formatSite } from '../src/model/format.js';
import { h } from './dom.js';
import { findingKind } from '../src/model/finding-kinds.js';
import { icon } from './icons.js';
import type { LaneModel } from './lanes.js';

/** Longest list rendered; the lanes' finding filter narrows the rest. */
const LIST_MAX = 500;

export class FindingsList {
  private active = -1;

  constructor(private readonly el: HTMLElement, private readonly count: HTMLElement, choose: (finding: number) => void) {
    el.addEventListener('click', (e) => {
      const item = (e.target as HTMLElement).closest<HTMLElement>('[role=option]');
      if (item) choose(Number(item.dataset.finding));
    });
    el.addEventListener('keydown', (e) => {
      const n = el.querySelectorAll('[role=option]').length;
      if (n === 0) return;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        this.active = Math.max(0, Math.min(n - 1, this.active + (e.key === 'ArrowDown' ? 1 : -1)));
        choose(this.active);
        e.preventDefault();
      } else if (e.key === 'Enter' && this.active >= 0) choose(this.active);
    });
  }

  render(model: LaneModel | null, active: number): void {
    this.active = active;
    const findings = model?.findings ?? [];
    this.count.textContent = String(findings.length);
    if (findings.length === 0) {
      this.el.replaceChildren(h('li', { class: 'empty', role: 'presentation' }, 'No findings: the loop never blocked and every task finished cleanly.'));
      this.el.removeAttribute('aria-activedescendant');
      return;
    }
    const cwd = model!.index.meta.header.cwd;
    this.el.replaceChildren(...findings.slice(0, LIST_MAX).map((f, i) => h('li', {
      role: 'option',
      id: `finding-${i}`,
      class: `finding ${f.kind}${i === active ? ' selected' : ''}`,
      'aria-selected': String(i === active),
      'data-finding': i,
    },
      icon(findingKind(f.kind).icon, 'ficon'),
      h('span', { class: 'fbody' },
        h('span', { class: 'fkind' }, f.kind),
        f.file ? h('span', { class: 'fwhere' }, icon('go-to-file'), formatSite({ id: -1, file: f.file, line: f.line ?? 0, func: '' }, cwd)) : null,
        h('span', { class: 'fmsg' }, f.message),
      ),
    )));
    if (findings.length > LIST_MAX) this.el.append(h('li', { class: 'empty', role: 'presentation' }, `… and ${findings.length - LIST_MAX} more: filter the lanes by finding to see them all.`));
    if (active >= 0) this.el.setAttribute('aria-activedescendant', `finding-${active}`);
  }
}
