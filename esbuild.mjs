// Bundles the VS Code extension host code (with vscode-languageclient) (src/extension/extension.ts + the model, exporter and viewer helpers it
// imports; `vscode` is the host's) into out/extension.js, and the timeline webview (webview/main.ts + its imports
// from src/model and src/protocol) into one script and copies its stylesheet: out/webview/app.js and out/webview/app.css, which `async-lanes view` and the VS Code
// extension embed. The fetch worker (webview/fetch-worker.ts) is bundled first and inlined into app.js as a string,
// started from a blob: URL, so the page stays one file. The language server is bundled on its own, out/server.js. Type checking is tsc's job (`tsc -p webview`).
// The UI icons are VS Code's codicons (@vscode/codicons): their stylesheet goes first into app.css, without its
// @font-face (the page adds one that fits its CSP: src/page/page.ts), and the font is copied to codicon.ttf.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const common = { bundle: true, format: 'iife', target: 'es2022', minify: true, sourcemap: false, legalComments: 'none', logLevel: 'warning' };

mkdirSync('out/webview', { recursive: true });
const worker = await build({ ...common, entryPoints: ['webview/fetch-worker.ts'], write: false });
await build({
  ...common,
  entryPoints: ['webview/main.ts'],
  outfile: 'out/webview/app.js',
  define: { FETCH_WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text) },
});

const codicons = join(dirname(createRequire(import.meta.url).resolve('@vscode/codicons/package.json')), 'dist');
const codiconCss = readFileSync(join(codicons, 'codicon.css'), 'utf8').replace(/@font-face\s*\{[^}]*\}/g, '');
if (!codiconCss.includes('.codicon-pass:before')) throw new Error('unexpected @vscode/codicons stylesheet');
writeFileSync('out/webview/app.css', `${codiconCss}\n${readFileSync('webview/style.css', 'utf8')}`);
copyFileSync(join(codicons, 'codicon.ttf'), 'out/webview/codicon.ttf');

await build({
  ...common,
  entryPoints: ['src/extension/extension.ts'],
  outfile: 'out/extension.js',
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode'],
});

// The language server (src/server) runs in its own Node process, started by the extension's language client.
// It reads each recording in a worker thread: out/load-worker.js beside it.
await build({
  ...common,
  entryPoints: { server: 'src/server/main.ts', 'load-worker': 'src/server/load-worker.ts' },
  outdir: 'out',
  platform: 'node',
  format: 'cjs',
  target: 'node18',
});
