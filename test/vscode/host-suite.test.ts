// The @vscode/test-electron suite (test/vscode-host/suite) run inside code-server's extension host instead of a
// downloaded VS Code, against the packaged .vsix. code-server ignores VS Code's extensionDevelopmentPath /
// extensionTestsPath (tried: the workbench's `payload` URL parameter and `--vscode-option`), so a test-only extension
// (test/vscode-host/runner-ext) runs the suite's entry when its palette command is invoked; the suite writes its
// results to a file this test reads. The real Python extension cannot be installed here (no gallery): a stand-in
// with its id (test/vscode-host/python-stub) is installed with them.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { HostResults } from '../vscode-host/suite/index.js';
import { makeHostWorkspace } from '../vscode-host/workspace.js';
import { launchBrowser, openWorkbench, packageVsix, ROOT, runCommand, setupCodeServer, shot, startCodeServer, until, type CodeServer } from './workbench.js';

const dir = mkdtempSync(join(tmpdir(), 'lanes-host-'));
const results = join(dir, 'results.json');
let browser: Browser;
let server: CodeServer;

before(async () => {
  setupCodeServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('the extension-host suite passes inside code-server', async () => {
  const ws = makeHostWorkspace(dir);
  const stubDir = join(dir, 'python-stub');
  mkdirSync(stubDir); // packageVsix names every test extension's package the same
  const vsix = [packageVsix(dir), packageVsix(dir, join(ROOT, 'test', 'vscode-host', 'runner-ext')), packageVsix(stubDir, join(ROOT, 'test', 'vscode-host', 'python-stub'))].join(' ');
  server = await startCodeServer(join(dir, 'state'), ws, vsix, false, {
    ASYNC_LANES_HOST_SUITE: join(ROOT, 'out', 'test', 'vscode-host', 'suite', 'index.js'),
    ASYNC_LANES_HOST_RESULTS: results,
  });
  const { page } = await openWorkbench(browser, server.url);
  try {
    await runCommand(page, 'Async Lanes Tests: Run Extension Host Suite');
    await until('the suite results', () => existsSync(results) || existsSync(`${results}.error`), 180_000);
  } finally {
    await shot(page, 'host-suite');
  }
  // No results file: the suite could not even load (the runner wrote why).
  assert.ok(existsSync(results), existsSync(`${results}.error`) ? readFileSync(`${results}.error`, 'utf8') : 'no results');
  const r = JSON.parse(readFileSync(results, 'utf8')) as HostResults;
  assert.deepEqual(r.failed, []);
  assert.equal(r.passed.length, 11, r.passed.join('\n'));
});
