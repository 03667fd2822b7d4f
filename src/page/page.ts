// The one page builder of the timeline: one HTML template for its three homes, each with the Content-Security-Policy
// it needs (a fresh nonce per page):
//   - `webview`: inside VS Code; the bundle (out/webview/app.js, app.css) and the codicon font are loaded from the
//     extension's folder through webview URIs (cspSource); the trace comes from the extension host in messages;
//   - `served`: `async-lanes view`; the bundle inlined, the font and the growing trace fetched from the page's own
//     origin (by a fetch worker started from a blob: URL);
//   - `offline`: one self-contained file (`view --html`); the bundle, the font (a data: URI) and the trace inlined,
//     the trace gzipped in base64: the browser's HTML parser scans a fifth of the text's size (it spent a second on
//     the 44 MB of a 1M-record trace as escaped JSON), and the page decompresses it as a stream (webview/inline.ts).
// Everything inlined is escaped so that no data can close its element ("</script>") or open markup (base64 has no
// "<").

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ViewerConfig } from '../protocol/messages.js';

export interface ViewerAssets {
  script: string;
  css: string;
  /** The codicon font (TrueType). */
  font: Buffer;
}

/** Where the served page's icon font is (src/viewer/server.ts answers it). */
export const FONT_PATH = '/codicon.ttf';

/** The bundle built by esbuild.mjs (out/webview/), next to this compiled file's out/src/page/. */
export function loadAssets(dir = join(__dirname, '..', '..', 'webview')): ViewerAssets {
  return { script: readFileSync(join(dir, 'app.js'), 'utf8'), css: readFileSync(join(dir, 'app.css'), 'utf8'), font: readFileSync(join(dir, 'codicon.ttf')) };
}

export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

export type PageHome =
  | { kind: 'webview'; cspSource: string; script: string; css: string; font: string }
  | { kind: 'served'; assets: ViewerAssets }
  | { kind: 'offline'; assets: ViewerAssets; traceText: string };

export interface PageOptions {
  title: string;
  nonce: string;
  config: ViewerConfig;
  home: PageHome;
}

/** The page's CSP. `frameable: false` adds frame-ancestors 'none', which only an HTTP header can carry (a <meta> CSP
 * ignores it): the served page sends it so that no other page can frame it. */
export function contentSecurityPolicy(home: PageHome['kind'], nonce: string, cspSource = '', frameable = true): string {
  const served = home === 'served';
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    home === 'webview' ? `style-src ${cspSource} 'nonce-${nonce}'` : `style-src 'nonce-${nonce}'`,
    'img-src data:',
    `font-src ${home === 'webview' ? cspSource : served ? "'self'" : 'data:'}`,
    `connect-src ${served ? "'self'" : "'none'"}`,
    `worker-src ${served ? 'blob:' : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
    ...(frameable ? [] : ["frame-ancestors 'none'"]),
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

const attr = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The @font-face of the codicon font (its stylesheet, in app.css, names the family "codicon"). */
function codiconFontFace(src: string): string {
  return `@font-face { font-family: "codicon"; font-display: block; src: url("${attr(src)}") format("truetype"); }\n`;
}

export function renderPage(o: PageOptions): string {
  const { home, nonce } = o;
  const font =
    home.kind === 'webview' ? home.font : home.kind === 'served' ? FONT_PATH : `data:font/ttf;base64,${home.assets.font.toString('base64')}`;
  const style =
    home.kind === 'webview'
      ? `<style nonce="${nonce}">${codiconFontFace(font)}</style>\n<link rel="stylesheet" href="${attr(home.css)}">`
      : `<style nonce="${nonce}">${codiconFontFace(font)}${rawText(home.assets.css, 'style')}</style>`;
  // Level 4: within 5% of level 6's size in half its time.
  const trace = home.kind === 'offline' ? `<script type="application/gzip+base64" id="lanes-trace">${gzipSync(home.traceText, { level: 4 }).toString('base64')}</script>\n` : '';
  const script =
    home.kind === 'webview' ? `<script nonce="${nonce}" src="${attr(home.script)}"></script>` : `<script nonce="${nonce}">${rawText(home.assets.script, 'script')}</script>`;
  const csp = contentSecurityPolicy(home.kind, nonce, home.kind === 'webview' ? home.cspSource : '');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${attr(o.title)} — Async Lanes</title>
${style}
</head>
<body>
<div id="app"></div>
<script type="application/json" id="lanes-config">${jsonForScript(o.config)}</script>
${trace}${script}
</body>
</html>
`;
}
