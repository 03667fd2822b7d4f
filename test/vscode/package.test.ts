// The .vsix holds what the extension runs and nothing else (.vscodeignore is a whitelist), and the bundled
// extension needs nothing outside itself but VS Code and Node's own modules. The Node recorder runs from the
// package's files alone: a JavaScript program, and a TypeScript one with the esbuild of its own project.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, it } from 'node:test';
import { launchFile, LaunchError, TS_NEEDS_ESBUILD } from '../../src/launch/launch.js';
import { TraceIndex } from '../../src/model/index.js';
import { parseTrace } from '../../src/model/parser.js';

const ROOT = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'lanes-vsix-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What `vsce package` puts in the .vsix. */
function packaged(): string[] {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'vsce'), ['ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').sort();
}

it('the package lists exactly the built files, the icons, the whole Python recorder (and its start-up for debug sessions) and the compiled Node recorder', () => {
  const python = readdirSync(join(ROOT, 'src', 'recorders', 'python', 'async_lanes')).filter((f) => /\.(py|c)$/.test(f)).map((f) => `src/recorders/python/async_lanes/${f}`);
  assert.ok(python.includes('src/recorders/python/async_lanes/__main__.py'));
  const node = readdirSync(join(ROOT, 'out', 'src', 'recorders', 'node')).filter((f) => f.endsWith('.js')).map((f) => `out/src/recorders/node/${f}`);
  assert.ok(node.includes('out/src/recorders/node/preload.js'));
  assert.deepEqual(packaged(), [
    'LICENSE', 'README.md', 'media/icon.png', 'media/lanes.svg', 'out/extension.js', 'out/load-worker.js', 'out/server.js', 'out/webview/app.css', 'out/webview/app.js', 'out/webview/codicon.ttf', 'package.json',
    ...python,
    'src/recorders/python/autostart/sitecustomize.py',
    ...node,
  ].sort());
});

it('installed from the package alone, the Node recorder records a JavaScript file, and TypeScript with the project\'s esbuild', () => {
  const installed = join(dir, 'extension');
  for (const f of packaged()) {
    mkdirSync(dirname(join(installed, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(installed, f));
  }
  const project = join(dir, 'project');
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  const record = (file: string, trace: string) => {
    const l = launchFile(file, 'node', [], { traceFile: join(dir, trace), blockThresholdMs: null, packageRoot: installed, env: process.env, cwd: project });
    const r = spawnSync(l.command, l.args, { cwd: project, env: l.env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'item 1, item 2, item 3\n', 'the program\'s own output, unchanged');
    return new TraceIndex(parseTrace(readFileSync(join(dir, trace), 'utf8')));
  };
  const js = join(project, 'gather_timers.js');
  copyFileSync(join(ROOT, 'examples', 'node', 'gather_timers.js'), js);
  const jsTrace = record(js, 'js.lanes');
  assert.equal(jsTrace.tasks.length, 4, 'main and the three fetches');
  assert.deepEqual(jsTrace.meta.exit?.how, 'exit');

  const ts = join(project, 'gather_timers.ts');
  copyFileSync(join(ROOT, 'examples', 'node', 'gather_timers.ts'), ts);
  assert.throws(() => record(ts, 'no-esbuild.lanes'), (e: Error) => e instanceof LaunchError && e.message === TS_NEEDS_ESBUILD);
  symlinkSync(join(ROOT, 'node_modules', 'esbuild'), join(project, 'node_modules', 'esbuild'), 'dir');
  const tsTrace = record(ts, 'ts.lanes');
  assert.equal(tsTrace.tasks.length, 4);
  // A fetch task's site is its async function, at the .ts file's own line 11 (the compiled output, without the
  // interface and the type, has it near the top).
  const fetch = tsTrace.tasks.find((t) => t.parent !== null)!;
  assert.equal(fetch.site?.file, ts);
  assert.equal(fetch.site?.line, 11);
});

it('the bundled extension requires only vscode and Node built-ins', () => {
  const bundle = readFileSync(join(ROOT, 'out', 'extension.js'), 'utf8');
  const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
  assert.ok(required.has('vscode'));
  for (const m of required) assert.ok(m === 'vscode' || builtinModules.includes(m.replace(/^node:/, '')), `out/extension.js requires "${m}"`);
});

it('the bundled language server (its own process) and its reader thread require only Node built-ins', () => {
  for (const file of ['server.js', 'load-worker.js']) {
    const bundle = readFileSync(join(ROOT, 'out', file), 'utf8');
    const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
    assert.ok(required.has('fs') || required.has('node:fs'), file);
    for (const m of required) assert.ok(builtinModules.includes(m.replace(/^node:/, '')), `out/${file} requires "${m}"`);
  }
});
