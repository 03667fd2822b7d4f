// A real project's test suite from npm under the Node recorder: hwp@0.5.0 (async-iterator and promise utilities with
// a concurrency limit, fetched by scripts/setup-npm-suite.sh) runs its own node:test suite plainly and under
// `async-lanes record`, on every installed Node version. Every test must have the same outcome (parsed per test from
// the TAP reporter), and the traces (one per test process) must hold tasks of the library's own async functions.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import type { Report } from './lib/report.js';
import { CLI, loadReport, pool, ROOT, runProcess, traceFile, type ProcResult } from './lib/run.js';

function nodeVersions(): { version: string; bin: string }[] {
  const out = [{ version: process.version, bin: process.execPath }];
  const lines = execFileSync('bash', [join(ROOT, 'scripts', 'setup-node-versions.sh')], { encoding: 'utf8', timeout: 600_000 });
  for (const line of lines.trim().split('\n')) {
    const [version, bin] = line.split(' ');
    if (version && bin) out.push({ version, bin });
  }
  return out;
}

const PKG = execFileSync('bash', [join(ROOT, 'scripts', 'setup-npm-suite.sh')], { encoding: 'utf8', timeout: 600_000 }).trim();
const TEST_FILES = readdirSync(join(PKG, 'test')).filter((f) => f.endsWith('.js')).sort().map((f) => join('test', f));

/** Per test (its full name, parents first), "ok", "not ok" or "ok # SKIP/TODO", from node's TAP reporter. */
function tapResults(tap: string): Map<string, string> {
  const results = new Map<string, string>();
  const names: string[] = [];
  for (const line of tap.split('\n')) {
    const sub = /^( *)# Subtest: (.*)$/.exec(line);
    if (sub) {
      names.length = sub[1].length / 4;
      names.push(sub[2]);
      continue;
    }
    const res = /^( *)(not ok|ok) \d+ - (.*?)(?: # (SKIP|TODO)\b.*)?$/.exec(line);
    if (!res) continue;
    const depth = res[1].length / 4;
    const path = [...names.slice(0, depth), res[3]].join(' > ');
    results.set(path, res[4] ? `${res[2]} # ${res[4]}` : res[2]);
  }
  return results;
}

const env = { ...process.env };
// NODE_TEST_CONTEXT: this file runs under node:test itself, which would make the suite's runner skip its files.
delete env.NODE_OPTIONS;
delete env.NODE_TEST_CONTEXT;
const suiteArgs = ['--test', '--test-reporter=tap', '--test-concurrency=1', ...TEST_FILES];

function plainRun(node: string): Promise<ProcResult> {
  return pool.run(() => runProcess(node, suiteArgs, { cwd: PKG, env, timeoutMs: 120_000 }));
}

function recordedRun(node: string, trace: string): Promise<ProcResult> {
  return pool.run(() => runProcess(process.execPath, [CLI, 'record', '-o', trace, '--', node, ...suiteArgs], { cwd: PKG, env, timeoutMs: 120_000 }));
}

/** The traces of one recorded run: FILE and FILE's stem + .<pid>.lanes (one per test process). */
function tracesOf(trace: string): string[] {
  const stem = basename(trace).replace(/\.lanes$/, '');
  return readdirSync(dirname(trace)).filter((f) => f === basename(trace) || (f.startsWith(`${stem}.`) && f.endsWith('.lanes'))).map((f) => join(dirname(trace), f));
}

for (const node of nodeVersions()) {
  describe(`hwp's own test suite under the Node recorder on node ${node.version}`, () => {
    test('same results per test as a plain run, traces with the library\'s tasks', async () => {
      let trace = traceFile(`npm-suite-${node.version}.lanes`);
      let [plain, recorded] = await Promise.all([plainRun(node.bin), recordedRun(node.bin, trace)]);
      let expected = tapResults(plain.stdout);
      let got = tapResults(recorded.stdout);
      if (JSON.stringify([...expected]) !== JSON.stringify([...got])) {
        // Once more, both ways, before calling it a difference: a test that is flaky on a loaded machine is not one.
        trace = traceFile(`npm-suite-${node.version}-again.lanes`);
        [plain, recorded] = await Promise.all([plainRun(node.bin), recordedRun(node.bin, trace)]);
        expected = tapResults(plain.stdout);
        got = tapResults(recorded.stdout);
      }
      assert.ok(expected.size >= 25, `the plain run reports its tests (${expected.size}): ${plain.stdout.slice(0, 500)}${plain.stderr}`);
      assert.deepEqual([...got], [...expected], `recorded stderr: ${recorded.stderr}`);
      assert.equal(recorded.code, plain.code);

      const reports: Report[] = [];
      for (const file of tracesOf(trace)) reports.push(await loadReport(file));
      assert.ok(reports.length > TEST_FILES.length, `one trace per test process plus the runner's: ${reports.length}`);
      for (const r of reports) {
        assert.equal(r.meta.truncated, false);
        assert.equal(r.meta.skipped, 0);
      }
      const libTasks = reports.flatMap((r) => r.tasks).filter((t) => t.file === join(PKG, 'index.js'));
      const names = new Set(libTasks.map((t) => t.coroutine));
      for (const fn of ['mapIterator', 'pump', 'forEach', 'batchIterator']) assert.ok(names.has(fn), `a task of hwp's ${fn}(); library tasks: ${[...names].join(', ')}`);
      assert.ok(libTasks.some((t) => t.awaits.length > 0 && t.state === 'ok'), 'library tasks that awaited and finished');
    });
  });
}
