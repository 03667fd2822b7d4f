// The hover tooltip: a title and a few lines of text, kept inside the canvas area.

import { h } from './dom.js';

export class Tooltip {
  constructor(private readonly el: HTMLElement) {}

  show(x: number, y: number, title: string, lines: string[], bounds: { width: number; height: number }): void {
    this.el.replaceChildren(h('div', { class: 'tt-title' }, title), ...lines.map((l) => h('div', { class: 'tt-line' }, l)));
    this.el.hidden = false;
    const w = this.el.offsetWidth;
    const hgt = this.el.offsetHeight;
    this.el.style.left = `${Math.max(4, x + 14 + w > bounds.width ? x - w - 10 : x + 14)}px`;
    this.el.style.top = `${Math.max(4, y + 16 + hgt > bounds.height ? y - hgt - 8 : y + 16)}px`;
  }

  hide(): void {
    this.el.hidden = true;
  }
}
