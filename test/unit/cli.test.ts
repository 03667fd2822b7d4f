import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, ROOT } from './helpers.js';

const BIN = join(ROOT, 'bin', 'async-lanes.js');
const tmp = mkdtempSync(join(tmpdir(), 'async-lanes-cli-'));

/** Runs the CLI in a scratch folder; an env value of null removes the variable. */
function cli(args: string[], env: Record<string, string | null> = {}) {
  const merged: NodeJS.ProcessEnv = { ...process.env, ASYNC_LANES_DEBUG: '' };
  for (const [k, v] of Object.entries(env)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: 'utf8', env: merged, maxBuffer: 1 << 28, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function cliAsNobody(args: string[]) {
  chmodSync(tmp, 0o755);
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, ASYNC_LANES_DEBUG: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** One clear line on stderr, no stack trace. */
function assertOneLine(err: string, pattern: RegExp): void {
  assert.match(err, /^async-lanes: [^\n]+\n$/, JSON.stringify(err));
  assert.match(err, pattern);
  assert.doesNotMatch(err, /\n\s+at /);
}

const fixture = (name: string) => join(FIXTURES, name);

test('--version and -V print the version package.json says', () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) assert.deepEqual(cli([flag]), { code: 0, out: `async-lanes ${version}\n`, err: '' });
});

test('report: header, task table nested by parent, findings, summary', () => {
  const r = cli(['report', fixture('pending-exit.lanes')]);
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  const lines = r.out.split('\n');
  assert.equal(lines[0], 'python 3.12.3 · pend.py · 1.00 µs · exit 0');
  assert.match(lines[2], /^ID\s+NAME\s+STATE\s+TOTAL\s+BUSY\s+IDLE\s+SCHED\s+STEPS\s+LOCATION$/);
  assert.match(r.out, /\n 1  main \(Task-1\)\s+✓ ok\s+70 ns\s+30 ns\s+0 ns\s+40 ns\s+2  pend\.py:30\n/);
  assert.match(r.out, /\n 2 {4}worker \(Task-2\)\s+… pending/);
  assert.match(r.out, /⊘ cancelled/);
  assert.match(r.out, /\nFindings\n {2}pend\.py:10\s+pending-at-exit\s+idle \(Task-4\)/);
  assert.match(r.out, /\n4 tasks \(1 ok, 2 pending, 1 cancelled\), 3 findings \(3 pending-at-exit\)\n$/);
});

test('report --json prints the report; notices for cut-off traces go to stderr', () => {
  const r = cli(['report', '--json', fixture('pending-cut.lanes')]);
  assert.equal(r.code, 0);
  const report = JSON.parse(r.out);
  assert.deepEqual(report.tasks.map((t: { state: string }) => t.state), ['pending', 'pending']);
  assert.equal(report.meta.truncated, true);
  assertOneLine(r.err, /notice: Truncated trace: it ends mid-record/);
});

test('report --fail-on: exit 1 when such findings exist, 0 otherwise, 2 for an unknown kind', () => {
  const fail = cli(['report', fixture('block.lanes'), '--fail-on', 'blocked-loop,never-awaited']);
  assert.equal(fail.code, 1);
  assertOneLine(fail.err, /2 findings of kind blocked-loop/);
  assert.equal(cli(['report', fixture('block.lanes'), '--fail-on=pending-at-exit']).code, 0);
  assert.equal(cli(['report', fixture('warnings.lanes'), '--fail-on', 'any']).code, 1);
  const bad = cli(['report', fixture('block.lanes'), '--fail-on', 'slow']);
  assert.equal(bad.code, 2);
  assertOneLine(bad.err, /unknown finding kind "slow"/);
});

test('export: chrome JSON next to the trace or where -o says', () => {
  const out = join(tmp, 'gather.json');
  const r = cli(['export', fixture('gather.lanes'), '-o', out]);
  assert.equal(r.code, 0);
  assertOneLine(r.err, /wrote .*gather\.json/);
  const trace = JSON.parse(readFileSync(out, 'utf8'));
  assert.ok(trace.traceEvents.length > 10);
  const copy = join(tmp, 'copy.lanes');
  writeFileSync(copy, readFileSync(fixture('executor.lanes')));
  assert.equal(cli(['export', copy]).code, 0);
  assert.equal(JSON.parse(readFileSync(join(tmp, 'copy.json'), 'utf8')).displayTimeUnit, 'ns');
  const stdout = cli(['export', copy, '--format', 'chrome', '-o', '-']);
  assert.equal(JSON.parse(stdout.out).displayTimeUnit, 'ns');
  const fmt = cli(['export', copy, '--format', 'svg']);
  assert.equal(fmt.code, 2);
  assertOneLine(fmt.err, /unknown export format "svg"/);
});

test('report and export of a trace with more tasks than a call takes arguments (200k)', () => {
  const n = 200_000;
  const lines = [JSON.stringify({ format: 'async-lanes', version: 1, runtime: 'node', pid: 1, argv: ['many.js'], cwd: '/p', start: '2026-11-21T19:00:00.000Z', blockThresholdNs: 100e6 })];
  lines.push('["site",2,"/p/many.js",3,"leaf"]');
  for (let id = 1; id <= n; id++) lines.push(`["task",10,${id},null,null,"leaf",2]`, `["step",0,${id},5,null,2]`, `["end",5,${id},"ok","${id}",null]`);
  lines.push('["exit",1,"exit",0]');
  const file = join(tmp, 'many.lanes');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = cli(['report', file]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /200000 tasks \(200000 ok\)/);
  assert.match(r.out, /\n200000 +leaf \(task 200000\) /);
  const out = join(tmp, 'many.json');
  assert.equal(cli(['export', file, '-o', out]).code, 0);
  const slices = JSON.parse(readFileSync(out, 'utf8')).traceEvents.filter((e: { ph: string }) => e.ph === 'X');
  assert.equal(slices.length, n);
});

test('bad arguments and bad files: one clear line, exit 2', () => {
  const png = join(tmp, 'x.png');
  writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
  const empty = join(tmp, 'empty.lanes');
  writeFileSync(empty, '');
  const cases: [string[], RegExp][] = [
    [[], /name a command: record, report, export/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['report'], /report: name the trace file/],
    [['report', 'a', 'b'], /one trace file expected/],
    [['report', '--nope', fixture('gather.lanes')], /unknown option "--nope" \(see: async-lanes report --help\)/],
    [['report', join(tmp, 'missing.lanes')], /cannot read ".*missing\.lanes": no such file/],
    [['report', tmp], /is a directory, not a trace file/],
    [['report', png], /x\.png: line 1: not an Async Lanes trace \(expected a header with "format":"async-lanes"\)/],
    [['report', empty], /empty\.lanes: line 1: not an Async Lanes trace/],
    [['export', fixture('gather.lanes'), '-o'], /option -o needs a value/],
    [['report', '--json=1', fixture('gather.lanes')], /option --json takes no value/],
  ];
  for (const [args, pattern] of cases) {
    const r = cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assertOneLine(r.err, pattern);
  }
});

test('traces a reader must take: a header over 1 MiB (long argv), a chain of tasks 10,000 deep', () => {
  const header = (argv: string[]) => JSON.stringify({ format: 'async-lanes', version: 1, runtime: 'python', argv, start: '2026-12-01T00:00:00Z' });
  // eleven 100 KB arguments, and 720 KB of CJK text (JSON-escaped to 1.44 MB by an ASCII writer)
  const big = join(tmp, 'big-header.lanes');
  writeFileSync(big, [header(Array(11).fill('x'.repeat(100_000))), '["site",1,"a.py",1,"main"]', '["task",0,1,null,"Task-1","main",1]', '["end",10,1,"ok","None"]', '["exit",1,"exit",0]', ''].join('\n'));
  const r = cli(['report', big]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^python · x+… \(1100010 characters\) · /, 'the header line shows the start of the command line');
  assert.ok(r.out.split('\n')[0].length < 300);
  const cjk = join(tmp, 'cjk-header.lanes');
  writeFileSync(cjk, header(['\u6f22'.repeat(240_000)]).replace(/\u6f22/g, '\\u6f22') + '\n["exit",1,"exit",0]\n');
  assert.equal(cli(['report', cjk, '--json']).code, 0);
  // each task awaits a task it creates: report's tree, --json and export all take the depth
  const deep = join(tmp, 'deep.lanes');
  const lines = [header(['deep.py']), '["site",1,"deep.py",3,"link"]'];
  for (let i = 1; i <= 10_000; i++) lines.push(JSON.stringify(['task', 10, i, i === 1 ? null : i - 1, `Task-${i}`, 'link', 1]));
  for (let i = 10_000; i >= 1; i--) lines.push(JSON.stringify(['end', 10, i, 'ok', 'None']));
  writeFileSync(deep, [...lines, '["exit",1,"exit",0]', ''].join('\n'));
  const text = cli(['report', deep]);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /\n10000 +link \(Task-10000\)/);
  assert.match(text.out, /10000 tasks \(10000 ok\)/);
  assert.equal(cli(['report', deep, '--json']).code, 0);
  assert.equal(cli(['export', deep, '-o', join(tmp, 'deep.json')]).code, 0);
});

test('a FIFO, a socket or a device is refused at once, not read forever', () => {
  const fifo = join(tmp, 'trace.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  for (const args of [['report', fifo], ['report', fifo, '--json'], ['export', fifo], ['view', fifo, '--no-open'], ['view', fifo, '--html', join(tmp, 'f.html')]]) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assertOneLine(r.err, /"[^"]*trace\.fifo" is a FIFO \(named pipe\), not a trace file/);
  }
  assertOneLine(cli(['report', '/dev/null']).err, /"\/dev\/null" is a device, not a trace file/);
});

test('unreadable file: a clear message', () => {
  const locked = join(tmp, 'locked.lanes');
  writeFileSync(locked, readFileSync(fixture('gather.lanes')));
  chmodSync(locked, 0o000);
  // root reads everything: run the CLI as nobody then (setpriv ships with util-linux).
  const r = process.getuid?.() === 0 ? cliAsNobody(['report', locked]) : cli(['report', locked]);
  assert.equal(r.code, 2);
  assertOneLine(r.err, /permission denied/);
});

test('--help for each command; ASYNC_LANES_DEBUG=1 adds the stack', () => {
  for (const cmd of ['record', 'report', 'export']) {
    const r = cli([cmd, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`^Usage: async-lanes ${cmd} `));
  }
  assert.match(cli(['--help']).out, /Commands:/);
  const debug = cli(['report', join(tmp, 'missing.lanes')], { ASYNC_LANES_DEBUG: '1' });
  assert.match(debug.err, /no such file\n[\s\S]*\n\s+at /);
});

test('record: missing interpreter, an interpreter it cannot record, no program', () => {
  const missing = cli(['record', '--', 'python3-that-does-not-exist', 'app.py']);
  assert.equal(missing.code, 127);
  assertOneLine(missing.err, /^async-lanes: cannot run "python3-that-does-not-exist": not found \(is Python installed\? name the interpreter after --\)\n$/);
  const ruby = cli(['record', '--', 'ruby', 'x.rb']);
  assert.equal(ruby.code, 2);
  assertOneLine(ruby.err, /^async-lanes: record: "ruby" is neither a Python interpreter nor node, npm, npx, pnpm, yarn or a \.js\/\.ts script/);
  const noDash = cli(['record', 'python3', 'app.py']);
  assert.equal(noDash.code, 2);
  assertOneLine(noDash.err, /name the interpreter and program after --/);
  const noProgram = cli(['record', '--', 'python3']);
  assert.equal(noProgram.code, 2);
  assertOneLine(noProgram.err, /^async-lanes: record: Name the program after the interpreter: python3 app\.py, or python3 -m package\./);
  const threshold = cli(['record', '--block-threshold', 'soon', '--', 'python3', 'app.py']);
  assert.equal(threshold.code, 2);
  assertOneLine(threshold.err, /--block-threshold takes a positive number/);
});

test('record: runs <python> -m async_lanes run with the recorder on PYTHONPATH, reports the trace, keeps the exit code', () => {
  // A stand-in interpreter (a shell script named python3) that writes a known trace where -o says.
  const bin = mkdtempSync(join(tmpdir(), 'async-lanes-py-'));
  const python = join(bin, 'python3');
  writeFileSync(python, `#!/bin/sh
printf '%s\\n' "$@" > "${bin}/args"
printf '%s\\n%s\\n' "$PYTHONPATH" "$ASYNC_LANES_RESTORE_ENV" > "${bin}/env"
while [ "$1" != "-o" ]; do shift; done
cp "${fixture('pending-exit.lanes')}" "$2"
[ "$FAKE_SIGNAL" = 1 ] && kill -TERM $$
exit 3
`);
  chmodSync(python, 0o755);
  const r = cli(['record', '--block-threshold', '50', '--', python, 'app.py', '--fast'], { PYTHONPATH: '/elsewhere' });
  assert.equal(r.code, 3);
  const args = readFileSync(join(bin, 'args'), 'utf8').trim().split('\n');
  assert.deepEqual(args.slice(0, 4), ['-m', 'async_lanes', 'run', '-o']);
  assert.match(args[4], /^\.async-lanes\/app-\d{8}-\d{6}\.lanes$/);
  assert.deepEqual(args.slice(5), ['--block-threshold', '50', 'app.py', '--fast']);
  const [pythonpath, restore] = readFileSync(join(bin, 'env'), 'utf8').trim().split('\n');
  assert.equal(pythonpath, `${join(ROOT, 'src', 'recorders', 'python')}:/elsewhere`);
  assert.deepEqual(JSON.parse(restore), { PYTHONPATH: '/elsewhere' });
  assertOneLine(r.err, new RegExp(`^async-lanes: trace written to ${args[4].replace(/\./g, '\\.')} \\(4 tasks, 3 findings\\) — async-lanes report ${args[4].replace(/\./g, '\\.')}\\n$`));

  const mod = cli(['record', '-o', 'out/m.lanes', '--', python, '-m', 'pkg.server', 'x'], { PYTHONPATH: null });
  assert.deepEqual(readFileSync(join(bin, 'args'), 'utf8').trim().split('\n'), ['-m', 'async_lanes', 'run', '-o', 'out/m.lanes', '-m', 'pkg.server', 'x']);
  assert.deepEqual(JSON.parse(readFileSync(join(bin, 'env'), 'utf8').trim().split('\n')[1]), { PYTHONPATH: null });
  assert.equal(mod.code, 3);

  const killed = spawnSync(process.execPath, [BIN, 'record', '-o', 'k.lanes', '--', python, 'app.py'], { cwd: tmp, encoding: 'utf8', env: { ...process.env, FAKE_SIGNAL: '1' } });
  assert.equal(killed.signal, 'SIGTERM', 'dies of the same signal as the program');
});
