// The layers (CONTRIBUTING.md): model and protocol at the bottom, pure TypeScript; every other room imports downward
// only; `vscode` only in the extension; the extension never reaches into the CLI. Read from the import statements
// of the sources, so a new file is checked the day it is written.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers.js';

interface Source {
  /** Path from the repository root, with / */
  path: string;
  /** Import specifiers, relative ones resolved to repository paths. */
  imports: string[];
  text: string;
}

function sources(dir: string, out: Source[] = []): Source[] {
  for (const name of readdirSync(join(ROOT, dir))) {
    const p = `${dir}/${name}`;
    if (statSync(join(ROOT, p)).isDirectory()) sources(p, out);
    else if (/\.ts$/.test(name) && !name.endsWith('.d.ts')) {
      const text = readFileSync(join(ROOT, p), 'utf8');
      const imports = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm)]
        .map((m) => m[1] ?? m[2] ?? m[3] ?? m[4])
        .map((s) => (s.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(p), s)).replace(/\.js$/, '') : s));
      out.push({ path: p, imports, text });
    }
  }
  return out;
}

const all = [...sources('src'), ...sources('webview')];
const room = (path: string) => (path.startsWith('webview/') ? 'webview' : path.split('/')[1]);

test('the sources are found and their imports read', () => {
  assert.ok(all.length > 50, `${all.length} files`);
  assert.ok(all.find((s) => s.path === 'src/cli/report.ts')!.imports.includes('src/model/findings'));
});

test('src/model and src/protocol are pure TypeScript: no Node, no DOM, no vscode, nothing from other rooms', () => {
  for (const s of all.filter((x) => ['model', 'protocol'].includes(room(x.path)))) {
    for (const i of s.imports) {
      assert.ok(i.startsWith('src/model/') || i.startsWith('src/protocol/'), `${s.path} imports ${i}`);
    }
    const code = s.text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    assert.doesNotMatch(code, /(?<![.\w])(document|window|navigator|process|Buffer)\.|\b(__dirname|HTMLElement)\b/, `${s.path} uses a Node or DOM global`);
  }
});

test('only src/extension imports vscode', () => {
  for (const s of all) if (s.imports.includes('vscode')) assert.equal(room(s.path), 'extension', `${s.path} imports vscode`);
});

test('the language server (src/server) is imported only by the CLI\'s `lsp` command; the extension starts it as its own process (out/server.js), never imports it', () => {
  const importers = all.filter((s) => room(s.path) !== 'server' && s.imports.some((i) => i.startsWith('src/server/')));
  assert.deepEqual(importers.map((s) => s.path), ['src/cli/lsp.ts']);
  const client = all.find((s) => s.path === 'src/extension/language-client.ts');
  assert.ok(client, 'src/extension/language-client.ts starts the server');
  assert.ok(client.imports.includes('vscode-languageclient/node'), 'the extension talks to the server through vscode-languageclient');
});

test('imports go downward: the extension never imports the CLI, the webview only model and protocol, nothing imports the extension or the CLI', () => {
  const allowed: Record<string, string[]> = {
    model: ['model'],
    protocol: ['model', 'protocol'],
    files: ['model', 'files'],
    exporters: ['model', 'exporters'],
    page: ['protocol', 'page'],
    viewer: ['model', 'protocol', 'page', 'files', 'viewer'],
    recorders: ['recorders'],
    launch: ['launch'],
    server: ['model', 'protocol', 'files', 'server'],
    cli: ['model', 'protocol', 'files', 'exporters', 'page', 'viewer', 'recorders', 'launch', 'server', 'cli'],
    extension: ['model', 'protocol', 'files', 'exporters', 'page', 'recorders', 'launch', 'extension'],
    webview: ['model', 'protocol', 'webview'],
  };
  for (const s of all) {
    const from = room(s.path);
    for (const i of s.imports.filter((x) => x.startsWith('src/') || x.startsWith('webview/'))) {
      const to = room(i);
      assert.ok(allowed[from], `${s.path}: room "${from}" is not in the table of layers (add it, and to CONTRIBUTING.md)`);
      assert.ok(allowed[from].includes(to), `${s.path} (${from}) imports ${i} (${to})`);
    }
  }
});
