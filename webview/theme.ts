// Canvas colours, read from the page's CSS custom properties (which map VS Code's --vscode-* theme variables, with
// light and dark fallbacks) and re-read when the theme changes.

import { KINDS } from './kinds.js';

export interface Theme {
  kinds: string[];
  fg: string;
  muted: string;
  grid: string;
  rowAlt: string;
  selection: string;
  hoverRow: string;
  cursor: string;
  ok: string;
  error: string;
  cancelled: string;
  pending: string;
  finding: string;
  edgeCreated: string;
  edgeWoken: string;
  edgeAwaits: string;
  font: string;
}

export function readTheme(el: HTMLElement): Theme {
  const css = getComputedStyle(el);
  const v = (name: string) => css.getPropertyValue(name).trim() || '#888';
  return {
    kinds: KINDS.map((k) => v(k.cssVar)),
    fg: v('--lanes-fg'),
    muted: v('--lanes-muted'),
    grid: v('--lanes-grid'),
    rowAlt: v('--lanes-row-alt'),
    selection: v('--lanes-selection'),
    hoverRow: v('--lanes-hover-row'),
    cursor: v('--lanes-cursor'),
    ok: v('--lanes-ok'),
    error: v('--lanes-error'),
    cancelled: v('--lanes-cancelled'),
    pending: v('--lanes-pending'),
    finding: v('--lanes-finding'),
    edgeCreated: v('--lanes-edge-created'),
    edgeWoken: v('--lanes-edge-woken'),
    edgeAwaits: v('--lanes-edge-awaits'),
    font: `${css.getPropertyValue('--lanes-font-size').trim() || '12px'} ${css.fontFamily}`,
  };
}

/** Calls `changed` when the theme switches: VS Code sets the body class (vscode-light / vscode-dark / ...). */
export function watchTheme(changed: () => void): void {
  new MutationObserver(changed).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}

/** Outside VS Code, mirrors the system's light/dark mode into the same body classes VS Code uses. */
export function followSystemTheme(): void {
  const dark = matchMedia('(prefers-color-scheme: dark)');
  const apply = () => {
    document.body.classList.toggle('vscode-dark', dark.matches);
    document.body.classList.toggle('vscode-light', !dark.matches);
  };
  apply();
  dark.addEventListener('change', apply);
}
