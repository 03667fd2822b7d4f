// Bundles the timeline webview (webview/main.ts + its imports from src/model and src/protocol) into one script and
// copies its stylesheet: out/webview/app.js and out/webview/app.css, which `async-lanes view` and the VS Code
// extension embed. The fetch worker (webview/fetch-worker.ts) is bundled first and inlined into app.js as a string,
// started from a blob: URL, so the page stays one file. Type checking is tsc's job (`tsc -p webview`).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const common = { bundle: true, format: 'iife', target: 'es2022', minify: true, sourcemap: false, legalComments: 'none', logLevel: 'warning' };

mkdirSync('out/webview', { recursive: true });
const worker = await build({ ...common, entryPoints: ['webview/fetch-worker.ts'], write: false });
await build({
  ...common,
  entryPoints: ['webview/main.ts'],
  outfile: 'out/webview/app.js',
  define: { FETCH_WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text) },
});
copyFileSync('webview/style.css', 'out/webview/app.css');
