// The standalone viewer page: one HTML document with the bundled script and stylesheet inlined under a strict
// Content-Security-Policy (a fresh nonce per page), the viewer config and, for offline files, the trace itself.
// Everything inlined is escaped so that no data can close its element ("</script>") or open markup.
// The UI's icon font (VS Code's codicons) is the one resource not inlined as code: the served page loads it from
// its own origin (CSP font-src 'self'), the offline file carries it as a data: URI (font-src data:).

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ViewerConfig } from '../protocol/messages.js';

export interface ViewerAssets {
  script: string;
  css: string;
  /** The codicon font (TrueType). */
  font: Buffer;
}

/** Where the served page's icon font is (server.ts answers it). */
export const FONT_PATH = '/codicon.ttf';

/** The bundle built by esbuild.mjs (out/webview/), next to this compiled file's out/src/viewer/. */
export function loadAssets(dir = join(__dirname, '..', '..', 'webview')): ViewerAssets {
  return { script: readFileSync(join(dir, 'app.js'), 'utf8'), css: readFileSync(join(dir, 'app.css'), 'utf8'), font: readFileSync(join(dir, 'codicon.ttf')) };
}

export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/** The CSP of a viewer page; `connect` allows fetching from the serving origin (live view), by the page's own fetch
 * worker (started from a blob: URL the page makes), and loading the icon font from there; without it the font can
 * only be a data: URI (the offline file). `unframed` (an HTTP header only: a <meta> CSP cannot say it) refuses
 * being framed by any page. */
export function contentSecurityPolicy(nonce: string, connect: boolean, unframed = false): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    'img-src data:',
    `font-src ${connect ? "'self'" : 'data:'}`,
    `connect-src ${connect ? "'self'" : "'none'"}`,
    `worker-src ${connect ? 'blob:' : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
    ...(unframed ? ["frame-ancestors 'none'"] : []),
  ].join('; ');
}

/** JSON for a `<script type="application/json">` data block: `<` escaped, so "</script>" or "<!--" cannot occur. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Code or CSS for an inline element: a closing tag or comment opener inside it is broken up. */
function rawText(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1').replace(/<!--/g, '<\\!--');
}

export interface PageOptions {
  title: string;
  config: ViewerConfig;
  /** The whole trace, for a self-contained page. */
  traceText?: string;
  nonce: string;
}

/** The @font-face of the codicon font (its stylesheet, in app.css, names the family "codicon"). */
export function codiconFontFace(src: string): string {
  return `@font-face { font-family: "codicon"; font-display: block; src: url("${src}") format("truetype"); }\n`;
}

export function renderPage(assets: ViewerAssets, o: PageOptions): string {
  const connect = o.config.source.kind === 'poll';
  const fontSrc = connect ? FONT_PATH : `data:font/ttf;base64,${assets.font.toString('base64')}`;
  const title = o.title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(o.nonce, connect)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — Async Lanes</title>
<style nonce="${o.nonce}">${codiconFontFace(fontSrc)}${rawText(assets.css, 'style')}</style>
</head>
<body>
<div id="app"></div>
<script type="application/json" id="lanes-config">${jsonForScript(o.config)}</script>
${o.traceText === undefined ? '' : `<script type="application/json" id="lanes-trace">${jsonForScript(o.traceText)}</script>\n`}<script nonce="${o.nonce}">${rawText(assets.script, 'script')}</script>
</body>
</html>
`;
}
