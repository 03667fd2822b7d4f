// The timeline's page inside a VS Code webview: the same bundle as the browser viewer (out/webview/app.js, app.css),
// loaded from the extension's folder through webview URIs under a strict CSP (scripts and styles only with the
// page's nonce or from the extension; no network), with the codicon font face pointing at the bundled font.

import type { ViewerConfig } from '../protocol/messages.js';
import { codiconFontFace, jsonForScript } from '../viewer/page.js';

export interface WebviewPageOptions {
  /** webview.cspSource: the origin of the extension's resources. */
  cspSource: string;
  nonce: string;
  /** Webview URIs of out/webview/app.js, app.css and codicon.ttf. */
  script: string;
  css: string;
  font: string;
  title: string;
}

export function webviewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    'img-src data:',
    "connect-src 'none'",
    "worker-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const attr = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderWebviewPage(o: WebviewPageOptions): string {
  const config: ViewerConfig = { source: { kind: 'host' } };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${webviewCsp(o.cspSource, o.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${attr(o.title)} — Async Lanes</title>
<style nonce="${o.nonce}">${codiconFontFace(o.font)}</style>
<link rel="stylesheet" href="${attr(o.css)}">
</head>
<body>
<div id="app"></div>
<script type="application/json" id="lanes-config">${jsonForScript(config)}</script>
<script nonce="${o.nonce}" src="${attr(o.script)}"></script>
</body>
</html>
`;
}
