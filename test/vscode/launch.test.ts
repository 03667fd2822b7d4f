// The pure parts of the extension: which command line records a file or a typed command (interpreter choice,
// recorder arguments, environment), command-line splitting, trace file names, tailing a growing file by offset,
// and the webview page's CSP. No VS Code needed.

import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { chooseInterpreter, launchCommand, launchFile, LaunchError, programStem, runtimeOfFile, splitCommandLine, traceFileName, type RecordOptions } from '../../src/extension/launch.js';
import { FileTail } from '../../src/extension/tail.js';
import { renderWebviewPage, webviewCsp } from '../../src/extension/webview-html.js';

const o = (env: NodeJS.ProcessEnv = {}): RecordOptions => ({ traceFile: '/ws/.async-lanes/app.lanes', blockThresholdMs: 50, extensionRoot: '/ext', env });
const dir = mkdtempSync(join(tmpdir(), 'lanes-ext-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('launching a recording', () => {
  it('a Python file runs under the bundled recorder, with the program its own PYTHONPATH back', () => {
    const l = launchFile('/ws/app.py', '/venv/bin/python', ['--port', '1'], o({ PYTHONPATH: '/mine', HOME: '/h' }));
    assert.equal(l.command, '/venv/bin/python');
    assert.deepEqual(l.args, ['-m', 'async_lanes', 'run', '-o', '/ws/.async-lanes/app.lanes', '--block-threshold', '50', '/ws/app.py', '--port', '1']);
    assert.equal(l.env.PYTHONPATH, `/ext/src/recorders/python${delimiter}/mine`);
    assert.deepEqual(JSON.parse(l.env.ASYNC_LANES_RESTORE_ENV!), { PYTHONPATH: '/mine' });
    assert.equal(l.env.HOME, '/h');
    assert.equal(l.env.PYTHONUNBUFFERED, '1');
  });

  it('without a PYTHONPATH of its own the program gets none back; no threshold leaves the recorder default', () => {
    const l = launchFile('/ws/app.py', 'python3', [], { ...o(), blockThresholdMs: null });
    assert.equal(l.env.PYTHONPATH, '/ext/src/recorders/python');
    assert.deepEqual(JSON.parse(l.env.ASYNC_LANES_RESTORE_ENV!), { PYTHONPATH: null });
    assert.ok(!l.args.includes('--block-threshold'));
  });

  it('JavaScript and TypeScript wait for the Node recorder; other files are refused with a reason', () => {
    assert.throws(() => runtimeOfFile('/ws/server.ts'), (e: Error) => e instanceof LaunchError && /Node\.js recorder/.test(e.message));
    assert.throws(() => runtimeOfFile('/ws/app.mjs'), /Node\.js recorder/);
    assert.throws(() => runtimeOfFile('/ws/notes.txt'), /only Python programs \(\.py\)/);
    assert.equal(runtimeOfFile('/ws/APP.PY').name, 'Python');
  });

  it('a typed command: a Python interpreter and a script or -m module; anything else is explained', () => {
    const l = launchCommand(['python3.12', '-m', 'pkg.server', '--port', '8080'], o());
    assert.deepEqual(l.args.slice(-4), ['-m', 'pkg.server', '--port', '8080']);
    assert.equal(l.command, 'python3.12');
    assert.throws(() => launchCommand(['node', 'app.js'], o()), /not a Python interpreter/);
    assert.throws(() => launchCommand(['python3'], o()), /Name the program/);
    assert.throws(() => launchCommand(['python3', '-c', 'print(1)'], o()), /Name the program/);
    assert.throws(() => launchCommand([], o()), /Type the command/);
  });

  it('the interpreter: our setting, else the Python extension, else python.defaultInterpreterPath, else python3', () => {
    assert.equal(chooseInterpreter({ override: '/o/python', pythonExtension: '/x/python', defaultInterpreterPath: 'python' }), '/o/python');
    assert.equal(chooseInterpreter({ override: ' ', pythonExtension: '/x/python', defaultInterpreterPath: 'python' }), '/x/python');
    assert.equal(chooseInterpreter({ defaultInterpreterPath: '/d/python' }), '/d/python');
    assert.equal(chooseInterpreter({}), 'python3');
  });

  it('command lines split like a shell: quotes, escapes; an open quote is an error', () => {
    assert.deepEqual(splitCommandLine(`python3  "my app.py" --name 'a b' x\\ y "q\\"t" ''`), ['python3', 'my app.py', '--name', 'a b', 'x y', 'q"t', '']);
    assert.throws(() => splitCommandLine('python3 "app.py'), /unclosed " quote/);
  });

  it('trace file names: the program stem and the local time', () => {
    assert.equal(programStem(['python3', '/ws/my app.py']), 'my_app');
    assert.equal(programStem(['python3', '-m', 'pkg.server']), 'server');
    assert.equal(programStem(['python3', '-mpkg.worker']), 'worker');
    assert.equal(traceFileName('app', new Date(2026, 0, 2, 3, 4, 5)), 'app-20260102-030405.lanes');
    const taken = new Set(['app-20260102-030405.lanes', 'app-20260102-030405-2.lanes']);
    assert.equal(traceFileName('app', new Date(2026, 0, 2, 3, 4, 5), (n) => taken.has(n)), 'app-20260102-030405-3.lanes');
  });
});

describe('tailing a trace file by byte offset', () => {
  it('reads only what was appended, keeps a character split between reads whole, notices a shrink', () => {
    const file = join(dir, 't.lanes');
    const tail = new FileTail(file);
    assert.deepEqual(tail.read(), { kind: 'missing' });
    const euro = Buffer.from('€');
    writeFileSync(file, Buffer.concat([Buffer.from('{"a":1}\n'), euro.subarray(0, 1)]));
    assert.deepEqual(tail.read(), { kind: 'text', text: '{"a":1}\n', more: false, first: true });
    appendFileSync(file, Buffer.concat([euro.subarray(1), Buffer.from('\n')]));
    assert.deepEqual(tail.read(), { kind: 'text', text: '€\n', more: false, first: false });
    assert.deepEqual(tail.read(), { kind: 'text', text: '', more: false, first: false });
    writeFileSync(file, 'x\n');
    assert.deepEqual(tail.read(), { kind: 'shrunk' });
    assert.deepEqual(tail.read(), { kind: 'text', text: 'x\n', more: false, first: true });
  });
});

describe('the webview page', () => {
  it('allows scripts only with its nonce, styles and fonts only from the extension, no network', () => {
    const csp = webviewCsp('https://ext.example', 'N0nce');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
    assert.match(csp, /connect-src 'none'/);
    const html = renderWebviewPage({ cspSource: 'https://ext.example', nonce: 'N0nce', script: 'https://ext.example/app.js', css: 'https://ext.example/app.css', font: 'https://ext.example/codicon.ttf', title: '</title><script>alert(1)</script>' });
    assert.ok(!html.includes('<script>alert(1)'), 'the title is escaped');
    assert.match(html, /<script nonce="N0nce" src="https:\/\/ext\.example\/app\.js"><\/script>/);
    assert.match(html, /"kind":"host"/);
  });
});
