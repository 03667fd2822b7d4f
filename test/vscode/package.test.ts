// The .vsix holds what the extension runs and nothing else (.vscodeignore is a whitelist), and the bundled
// extension needs nothing outside itself but VS Code and Node's own modules.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { it } from 'node:test';

const ROOT = join(__dirname, '..', '..', '..');

it('the package lists exactly the built files, the icons and the whole Python recorder', () => {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'vsce'), ['ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = r.stdout.split('\n').filter((l) => l.trim() !== '').sort();
  const recorder = readdirSync(join(ROOT, 'src', 'recorders', 'python', 'async_lanes')).filter((f) => /\.(py|c)$/.test(f)).map((f) => `src/recorders/python/async_lanes/${f}`);
  assert.ok(recorder.includes('src/recorders/python/async_lanes/__main__.py'));
  assert.deepEqual(files, [
    'LICENSE', 'README.md', 'media/icon.png', 'media/lanes.svg', 'out/extension.js', 'out/webview/app.css', 'out/webview/app.js', 'out/webview/codicon.ttf', 'package.json',
    ...recorder,
  ].sort());
});

it('the bundled extension requires only vscode and Node built-ins', () => {
  const bundle = readFileSync(join(ROOT, 'out', 'extension.js'), 'utf8');
  const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
  assert.ok(required.has('vscode'));
  for (const m of required) assert.ok(m === 'vscode' || builtinModules.includes(m.replace(/^node:/, '')), `out/extension.js requires "${m}"`);
});
