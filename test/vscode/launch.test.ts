// The pure parts of the extension: which command line records a file or a typed command (interpreter choice,
// recorder arguments, environment; Node programs through the compiled recorder in out/, TypeScript stripped by Node
// 22.18+ or with the project's esbuild), command-line splitting, trace file names, tailing a growing file by offset,
// and the webview page's CSP. No VS Code needed.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { chooseInterpreter, interpreterFor, launchCommand, launchFile, LaunchError, programStem, runtimeOfFile, splitCommandLine, TS_NEEDS_ESBUILD, traceFileName, type RecordOptions } from '../../src/launch/launch.js';
import { FileTail } from '../../src/files/tail.js';
import { contentSecurityPolicy, renderPage } from '../../src/page/page.js';

const o = (env: NodeJS.ProcessEnv = {}): RecordOptions => ({ traceFile: '/ws/.async-lanes/app.lanes', blockThresholdMs: 50, packageRoot: '/ext', outputToPipe: true, env, cwd: '/ws' });
const dir = mkdtempSync(join(tmpdir(), 'lanes-ext-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** This repository, built: out/src/recorders/node holds the compiled Node recorder, as in the .vsix. */
const ROOT = join(__dirname, '..', '..', '..');
const PRELOAD = join(ROOT, 'out', 'src', 'recorders', 'node', 'preload.js');
/** A project without esbuild, and one with (a stand-in package: only its path matters here). */
const plain = join(dir, 'plain');
const withEsbuild = join(dir, 'with-esbuild');
mkdirSync(join(plain, 'src'), { recursive: true });
mkdirSync(join(withEsbuild, 'src'), { recursive: true });
mkdirSync(join(withEsbuild, 'node_modules', 'esbuild'), { recursive: true });
writeFileSync(join(withEsbuild, 'node_modules', 'esbuild', 'package.json'), '{"name":"esbuild","main":"main.js"}');
writeFileSync(join(withEsbuild, 'node_modules', 'esbuild', 'main.js'), '');
const on = (cwd: string, env: NodeJS.ProcessEnv = {}): RecordOptions => ({ ...o(env), packageRoot: ROOT, cwd });

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

  it('Python and JavaScript/TypeScript files have their runtime; other files are refused with a reason', () => {
    assert.equal(runtimeOfFile('/ws/APP.PY').name, 'Python');
    for (const f of ['/ws/a.js', '/ws/a.mjs', '/ws/a.cjs', '/ws/a.ts', '/ws/a.mts']) assert.equal(runtimeOfFile(f).name, 'Node.js', f);
    assert.throws(() => runtimeOfFile('/ws/notes.txt'), (e: Error) => e instanceof LaunchError && /cannot record "notes\.txt": only Python \(\.py\) and JavaScript or TypeScript/.test(e.message));
  });

  it('a JavaScript file runs under node with the recorder preloaded, the program\'s NODE_OPTIONS kept after it', () => {
    const l = launchFile(join(plain, 'app.js'), 'node', ['--port', '1'], on(plain, { NODE_OPTIONS: '--max-old-space-size=64', HOME: '/h' }));
    assert.equal(l.command, 'node');
    assert.deepEqual(l.args, [join(plain, 'app.js'), '--port', '1']);
    assert.equal(l.env.NODE_OPTIONS, `--require ${PRELOAD} --max-old-space-size=64`);
    assert.equal(l.env.ASYNC_LANES_OUT, '/ws/.async-lanes/app.lanes');
    assert.equal(l.env.ASYNC_LANES_BLOCK_MS, '50');
    assert.equal(l.env.HOME, '/h');
    assert.equal(l.env.ASYNC_LANES_ESBUILD, undefined, 'no esbuild in the project: none passed (not even this repository\'s own)');
    assert.equal(l.interpreterSetting, 'asyncLanes.nodePath');
    const defaults = launchFile(join(plain, 'app.mjs'), '/opt/node22/bin/node', [], { ...on(plain), blockThresholdMs: null });
    assert.equal(defaults.command, '/opt/node22/bin/node');
    assert.equal(defaults.env.ASYNC_LANES_BLOCK_MS, undefined);
  });

  it('a TypeScript file is compiled with the esbuild its own folder resolves; without one, a clear message', () => {
    const l = launchFile(join(withEsbuild, 'src', 'app.ts'), 'node', [], on(dir));
    assert.equal(l.env.ASYNC_LANES_ESBUILD, join(withEsbuild, 'node_modules', 'esbuild'));
    assert.throws(() => launchFile(join(plain, 'src', 'app.ts'), 'node', [], on(withEsbuild)), (e: Error) => e instanceof LaunchError && e.message === TS_NEEDS_ESBUILD);
    assert.match(TS_NEEDS_ESBUILD, /npm i -D esbuild/);
  });

  it('a TypeScript file on a Node that strips types (22, 24, 26): recorded without esbuild, at the .ts file\'s lines', () => {
    const src = readFileSync(join(ROOT, 'examples', 'node', 'gather_timers.ts'), 'utf8');
    const file = join(plain, 'src', 'gather.ts');
    writeFileSync(file, src);
    const fetchLine = src.split('\n').findIndex((l) => l.startsWith('const fetchItem')) + 1;
    const awaitLine = src.split('\n').findIndex((l) => l.includes('// await: ts-fetch-sleep')) + 1;
    const lines = execFileSync('bash', [join(ROOT, 'scripts', 'setup-node-versions.sh')], { encoding: 'utf8', timeout: 600_000 });
    const nodes = lines.trim().split('\n').map((l) => l.split(' ')[1]);
    assert.equal(nodes.length, 3, lines);
    for (const node of nodes) {
      const trace = join(dir, `ts-${nodes.indexOf(node)}.lanes`);
      const l = launchFile(file, node, [], { ...on(plain, { PATH: process.env.PATH }), traceFile: trace });
      assert.equal(l.env.ASYNC_LANES_ESBUILD, undefined);
      const r = spawnSync(l.command, l.args, { cwd: plain, env: l.env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'item 1, item 2, item 3\n');
      const recs = readFileSync(trace, 'utf8').trim().split('\n').slice(1).map((x) => JSON.parse(x) as unknown[]);
      const sites = new Map(recs.filter((x) => x[0] === 'site').map((x) => [x[1], x]));
      const fetches = recs.filter((x) => x[0] === 'task' && x[5] === 'fetchItem');
      assert.equal(fetches.length, 3, `${node}: three fetchItem tasks`);
      for (const t of fetches) assert.deepEqual(sites.get(t[6])?.slice(2, 4), [file, fetchLine], `${node}: a fetchItem task's site`);
      const awaitSites = recs.filter((x) => x[0] === 'step' && fetches.some((t) => t[2] === x[2])).map((x) => sites.get(x[5])?.[3]);
      assert.ok(awaitSites.includes(awaitLine), `${node}: fetchItem awaits at line ${awaitLine}: ${JSON.stringify(awaitSites)}`);
    }
    // The machine's own Node (20 here) does not strip types: without esbuild, the message.
    if (!(process.features as { typescript?: unknown }).typescript) assert.throws(() => launchFile(file, process.execPath, [], on(plain, { PATH: process.env.PATH })), (e: Error) => e.message === TS_NEEDS_ESBUILD);
  });

  it('a typed node, npm or npx command: recorded as typed, with the project\'s esbuild when it has one', () => {
    const npm = launchCommand(['npm', 'test', '--', '--grep', 'x'], on(withEsbuild));
    assert.equal(npm.command, 'npm');
    assert.deepEqual(npm.args, ['test', '--', '--grep', 'x']);
    assert.equal(npm.env.NODE_OPTIONS, `--require ${PRELOAD}`);
    assert.equal(npm.env.ASYNC_LANES_ESBUILD, join(withEsbuild, 'node_modules', 'esbuild'));
    assert.equal(launchCommand(['npm', 'test'], on(plain)).env.ASYNC_LANES_ESBUILD, undefined, 'a package script may not need TypeScript');
    const ts = launchCommand(['node', '--enable-source-maps', 'src/app.ts'], on(withEsbuild));
    assert.deepEqual([ts.command, ...ts.args], ['node', '--enable-source-maps', 'src/app.ts']);
    assert.throws(() => launchCommand(['node', 'src/app.ts'], on(plain)), (e: Error) => e.message === TS_NEEDS_ESBUILD);
    assert.equal(launchCommand(['npx', 'mocha'], on(plain)).command, 'npx');
    assert.throws(() => launchCommand(['node'], on(plain)), /Name the program after the interpreter: node app\.js, or npm test/);
  });

  it('the node executable: asyncLanes.nodePath, else node from PATH; Python asks its own chooser', async () => {
    const never = () => Promise.reject(new Error('not Python'));
    assert.equal(await interpreterFor(runtimeOfFile('/ws/a.ts'), { python: never, nodePath: ' /opt/node/bin/node ' }), '/opt/node/bin/node');
    assert.equal(await interpreterFor(runtimeOfFile('/ws/a.js'), { python: never, nodePath: '' }), 'node');
    assert.equal(await interpreterFor(runtimeOfFile('/ws/a.py'), { python: () => Promise.resolve('/venv/python'), nodePath: '/opt/node' }), '/venv/python');
  });

  it('a typed command: a Python interpreter and a script or -m module; anything else is explained', () => {
    const l = launchCommand(['python3.12', '-m', 'pkg.server', '--port', '8080'], o());
    assert.deepEqual(l.args.slice(-4), ['-m', 'pkg.server', '--port', '8080']);
    assert.equal(l.command, 'python3.12');
    assert.throws(() => launchCommand(['ruby', 'app.rb'], o()), /"ruby" is neither a Python interpreter nor node, npm/);
    assert.throws(() => launchCommand(['python3'], o()), /Name the program/);
    assert.throws(() => launchCommand(['python3', '-c', 'print(1)'], o()), /Name the program/);
    assert.throws(() => launchCommand([], o()), /Type the command/);
    const script = launchCommand(['app.js', '--port', '1'], on(plain));
    assert.deepEqual([script.command, ...script.args], ['node', 'app.js', '--port', '1'], 'a script typed first runs with node');
    assert.equal(launchCommand(['python3', 'app.py'], o()).interpreterSetting, 'asyncLanes.pythonPath');
  });

  it('the CLI and the extension launch the same command line the same way (one launcher)', () => {
    // Stand-in interpreters on PATH write what they were given; the CLI's `record` runs them.
    const bin = join(dir, 'agree-bin');
    mkdirSync(bin, { recursive: true });
    const dump = join(dir, 'agree.json');
    for (const name of ['python3', 'node', 'npm']) {
      const stub = join(bin, name);
      writeFileSync(stub, `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(dump)}, JSON.stringify({ argv: process.argv.slice(2), env: Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(PYTHONPATH|NODE_OPTIONS|PYTHONUNBUFFERED|ASYNC_LANES_)/.test(k))) }));\n`);
      chmodSync(stub, 0o755);
    }
    const env = { PATH: `${bin}${delimiter}${process.env.PATH}`, PYTHONPATH: '/mine', NODE_OPTIONS: '--max-old-space-size=64' };
    for (const argv of [['python3', 'app.py', '--port', '1'], ['python3', '-m', 'pkg.server'], ['node', 'app.js', 'x'], ['npm', 'test'], ['app.ts', '--flag']]) {
      const trace = join(withEsbuild, 'out.lanes');
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'async-lanes.js'), 'record', '-o', trace, '--block-threshold', '50', '--', ...argv], { cwd: withEsbuild, env: { ...process.env, ...env }, encoding: 'utf8' });
      assert.ok(r.status === 0, `${argv.join(' ')}: ${r.stderr}`);
      const got = JSON.parse(readFileSync(dump, 'utf8')) as { argv: string[]; env: Record<string, string> };
      const l = launchCommand(argv, { traceFile: trace, blockThresholdMs: 50, packageRoot: ROOT, env: { ...process.env, ...env }, cwd: withEsbuild });
      assert.deepEqual(got.argv, l.args, `${argv.join(' ')}: the arguments`);
      const wanted = Object.fromEntries(Object.entries(l.env).filter(([k]) => /^(PYTHONPATH|NODE_OPTIONS|PYTHONUNBUFFERED|ASYNC_LANES_)/.test(k)));
      assert.deepEqual(got.env, wanted, `${argv.join(' ')}: the recorder's environment`);
      rmSync(dump);
    }
    // ...and refuse the same command lines with the same message.
    for (const argv of [['ruby', 'x.rb'], ['python3'], ['python3', '-c', 'print(1)'], ['node']]) {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'async-lanes.js'), 'record', '--', ...argv], { cwd: plain, encoding: 'utf8' });
      let message = '';
      try {
        launchCommand(argv, on(plain));
      } catch (e) {
        message = (e as Error).message;
      }
      assert.ok(message !== '', `${argv.join(' ')} is refused`);
      assert.equal(r.stderr, `async-lanes: record: ${message}\n`, argv.join(' '));
    }
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
    assert.equal(programStem(['node', '--inspect', 'src/server.ts']), 'server');
    assert.equal(programStem(['npm', 'run', 'build', '--', '-w']), 'npm-run-build');
    assert.equal(programStem(['npx', '--yes', 'jest']), 'npx-jest');
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
    const csp = contentSecurityPolicy('webview', 'N0nce', 'https://ext.example');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-N0nce'(;|$)/);
    assert.match(csp, /style-src https:\/\/ext\.example 'nonce-N0nce'/);
    assert.match(csp, /font-src https:\/\/ext\.example(;|$)/);
    assert.match(csp, /connect-src 'none'/);
    const html = renderPage({
      title: '</title><script>alert(1)</script>',
      nonce: 'N0nce',
      config: { source: { kind: 'host' } },
      home: { kind: 'webview', cspSource: 'https://ext.example', script: 'https://ext.example/app.js', css: 'https://ext.example/app.css', font: 'https://ext.example/codicon.ttf' },
    });
    assert.ok(html.includes(`content="${csp}"`), 'the page carries that CSP');
    assert.ok(!html.includes('<script>alert(1)'), 'the title is escaped');
    assert.match(html, /<script nonce="N0nce" src="https:\/\/ext\.example\/app\.js"><\/script>/);
    assert.match(html, /"kind":"host"/);
  });
});
