// VS Code's codicons (@vscode/codicons) for the UI chrome. The icon font's stylesheet is part of the page's CSS
// (esbuild.mjs appends it); its @font-face comes from the page (src/page/page.ts: a same-origin URL when served,
// a data: URI in the offline file), under the page's CSP. The canvas draws the same glyphs once the font has
// loaded (and plain text glyphs until then).

import { h } from './dom.js';
import type { Outcome } from './lanes.js';

/** The codicon of each task outcome, as in VS Code's test explorer. */
export const OUTCOME_ICON: Record<Outcome['state'], string> = { ok: 'pass', error: 'error', cancelled: 'circle-slash', pending: 'clock' };


/** A decorative icon element (hidden from assistive technology: the text or aria-label beside it says it). */
export function icon(name: string, extra = ''): HTMLElement {
  return h('span', { class: `codicon codicon-${name}${extra ? ` ${extra}` : ''}`, 'aria-hidden': 'true' });
}

let fontReady = false;
const glyphs = new Map<string, string>();

/** Loads the icon font (it is fetched on first use anyway; this lets the canvas know when it may draw with it). */
export function loadIconFont(loaded: () => void): void {
  if (!document.fonts) return;
  document.fonts.load('16px codicon').then((faces) => {
    if (faces.length === 0) return;
    fontReady = true;
    loaded();
  }, () => undefined);
}

/** The character of codicon `name` for drawing on a canvas with the "codicon" font, or null while the font is
 * not loaded. Read from the stylesheet (the ::before content of .codicon-NAME), so no code points live here. */
export function iconGlyph(name: string): string | null {
  if (!fontReady) return null;
  let g = glyphs.get(name);
  if (g === undefined) {
    const probe = icon(name);
    probe.style.position = 'absolute';
    probe.style.visibility = 'hidden';
    document.body.append(probe);
    const content = getComputedStyle(probe, '::before').content;
    probe.remove();
    g = /^["'](.+)["']$/u.exec(content)?.[1] ?? '';
    glyphs.set(name, g);
  }
  return g || null;
}
