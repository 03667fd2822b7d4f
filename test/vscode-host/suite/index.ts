// The extension-host test suite's entry (VS Code's extensionTestsPath contract: `run()` resolves when every test
// passed). The same entry runs under @vscode/test-electron (a downloaded VS Code: test/vscode-host/run-electron.ts)
// and inside code-server's extension host (test/vscode/host-suite.test.ts). When ASYNC_LANES_HOST_RESULTS names a
// file, the results are written there as JSON too, for a runner that cannot see the extension host's exit code.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha = require('mocha');

export interface HostResults {
  passed: string[];
  failed: { title: string; error: string }[];
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false });
  mocha.addFile(join(__dirname, 'extension.spec.js'));
  const results: HostResults = { passed: [], failed: [] };
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      if (process.env.ASYNC_LANES_HOST_RESULTS) writeFileSync(process.env.ASYNC_LANES_HOST_RESULTS, JSON.stringify(results));
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => results.passed.push(t.fullTitle()));
    runner.on('fail', (t, err: Error) => results.failed.push({ title: t.fullTitle(), error: String(err?.stack ?? err) }));
  });
}
