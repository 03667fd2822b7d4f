// Runs the extension-host suite (suite/index.ts) in a VS Code downloaded by @vscode/test-electron, on a fresh
// workspace folder. Needs network access to update.code.visualstudio.com (not available on this project's CI
// machine, where test/vscode/host-suite.test.ts runs the same suite inside code-server instead).
// Usage: npm run test:vscode-host

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { makeHostWorkspace } from './workspace.js';

const ROOT = join(__dirname, '..', '..', '..');

async function main(): Promise<void> {
  const ws = makeHostWorkspace(mkdtempSync(join(tmpdir(), 'lanes-host-')));
  await runTests({
    // the Python extension's stand-in too, as the suite expects (the real one is not installed: --disable-extensions)
    extensionDevelopmentPath: [ROOT, join(ROOT, 'test', 'vscode-host', 'python-stub')],
    extensionTestsPath: join(__dirname, 'suite', 'index.js'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
