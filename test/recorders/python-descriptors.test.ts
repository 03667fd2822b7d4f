// A program that closes its inherited descriptors (os.close over 3..1023, as daemons do) and then writes files of its
// own, under the Python recorder (issue 13: 23 MB of trace data once landed in such a program's 310-byte file, and
// closed before the loop started the trace was lost without a word). The program's files hold exactly what it wrote,
// its output (with its descriptor numbers) and exit are the plain run's, and the trace opens, keeps what was recorded
// before the close, says that recording stopped (a `notice` record) and how the program ended.
// CPython 3.11 and 3.14 (ASYNC_LANES_PYTHONS narrows), with and without the C accelerator.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { discoverPythons } from './lib/pythons.js';
import { CLI, loadReport, nativeUnbuildable, RECORDER_PATH, ROOT, runProcess, type RecorderMode } from './lib/run.js';

const PROGRAM = join(ROOT, 'test', 'recorders', 'programs', 'close_fds.py');
const dir = mkdtempSync(join(tmpdir(), 'al-fds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const onlyPythons = process.env.ASYNC_LANES_PYTHONS?.split(',').filter(Boolean) ?? ['3.11', '3.14'];
const pythons = discoverPythons().filter((p) => p.path && onlyPythons.includes(p.minor));

function env(mode?: RecorderMode): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };
  delete e.PYTHONPATH;
  if (mode) {
    e.PYTHONPATH = RECORDER_PATH;
    e.ASYNC_LANES_NATIVE = mode === 'native' ? '1' : '0';
  }
  return e;
}

/** The program's own files after a run, by name. */
function files(out: string): Record<string, string> {
  return Object.fromEntries(readdirSync(out).sort().map((n) => [n, readFileSync(join(out, n)).toString('latin1')]));
}

const EXPECTED_A = Array.from({ length: 60 }, (_, i) => `line ${i}\n`).join('');
const EXPECTED_B = Array.from({ length: 60 }, (_, i) => String.fromCharCode(i).repeat(100)).join('');

for (const py of pythons) {
  describe(`closed descriptors under the recorder, CPython ${py.version}`, () => {
    for (const mode of ['native', 'pure'] as RecorderMode[]) {
      const skip = mode === 'native' ? nativeUnbuildable(py.path!) ?? false : false;
      for (const when of ['task', 'module']) {
        test(`closed ${when === 'task' ? 'inside a coroutine' : 'before the loop starts'} (${mode})`, { skip, timeout: 120_000 }, async () => {
          const base = join(dir, `${py.minor}-${mode}-${when}`);
          const plainOut = join(base, 'plain');
          const recOut = join(base, 'recorded');
          mkdirSync(plainOut, { recursive: true });
          mkdirSync(recOut, { recursive: true });
          const trace = join(base, 'trace.lanes');
          const [plain, rec] = await Promise.all([
            runProcess(py.path!, [PROGRAM, when, plainOut], { env: env(), cwd: base }),
            runProcess(py.path!, ['-m', 'async_lanes', 'run', '-o', trace, '--block-threshold', '10000', PROGRAM, when, recOut], { env: env(mode), cwd: base }),
          ]);
          assert.equal(plain.code, 0, `plain run: ${plain.stderr}`);
          assert.equal(rec.stderr, plain.stderr);
          assert.equal(rec.stdout, plain.stdout, 'same output, descriptor numbers included');
          assert.equal(rec.code, plain.code);
          const own = files(recOut);
          assert.deepEqual(own, files(plainOut), "the program's files are the plain run's");
          assert.equal(own['a.txt'], EXPECTED_A);
          assert.equal(own['b.bin'], EXPECTED_B);

          const r = spawnSync(process.execPath, [CLI, 'report', trace], { encoding: 'utf8', timeout: 60_000 });
          assert.equal(r.status, 0, `the trace opens: ${r.stderr}`);
          assert.match(r.stderr, /async-lanes: notice: Recording stopped at [\d.]+ s: the program had closed the recorder's pipe/);
          const report = await loadReport(trace);
          assert.deepEqual(report.meta.exit, { how: 'exit', detail: 0 }, 'the exit is recorded');
          assert.equal(report.meta.skipped, 0, 'no damaged line');
          if (when === 'task') {
            const before = report.tasks.filter((t) => t.name.startsWith('before-'));
            assert.equal(before.length, 10, 'the tasks recorded before the close are there');
            for (const t of before) assert.equal(t.state, 'ok', `${t.name} ended`);
          }
        });
      }
    }
  });
}
