// How deep a recorded program can nest calls (issue 13, issue 12 point 6): the recorder's launch runs below the
// program's first frame (runpy, async_lanes' __main__, _cli.main, an exec), which made RecursionError come 4-6 calls
// early; the recorder now raises the interpreter's limit by what its launch costs and shows the program its own limit
// (async_lanes/_depth.py). test/recorders/programs/recursion_depth.py prints the deepest nesting at module level and
// inside tasks under limits 60 and 1000, and what sys.getrecursionlimit/setrecursionlimit answer (errors included);
// run as a script and with -m, plainly and recorded, on every installed CPython 3.9–3.15, with and without the C
// accelerator. ASYNC_LANES_PYTHONS=3.11,3.14 narrows the versions.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { atLeast, discoverPythons, type Python } from './lib/pythons.js';
import { nativeUnbuildable, pool, RECORDER_PATH, ROOT, runProcess, traceFile, type ProcResult, type RecorderMode } from './lib/run.js';

const PROGRAMS = join(ROOT, 'test', 'recorders', 'programs');
const onlyPythons = process.env.ASYNC_LANES_PYTHONS?.split(',').filter(Boolean);
const pythons = discoverPythons().filter((p) => p.path && (!onlyPythons || onlyPythons.includes(p.minor)));

function env(mode?: RecorderMode): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };
  delete e.PYTHONPATH;
  if (mode) {
    e.PYTHONPATH = RECORDER_PATH;
    e.ASYNC_LANES_NATIVE = mode === 'native' ? '1' : '0';
  }
  return e;
}

function run(py: Python, form: 'script' | '-m', limit: number, mode?: RecorderMode): Promise<ProcResult> {
  const program = form === 'script' ? ['recursion_depth.py', String(limit)] : ['-m', 'recursion_depth', String(limit)];
  const trace = traceFile(`recursion-${py.minor}-${mode}-${form === '-m' ? 'm' : 'script'}-${limit}.lanes`);
  const argv = mode ? ['-m', 'async_lanes', 'run', '-o', trace, ...program] : program;
  return pool.run(() => runProcess(py.path!, argv, { cwd: PROGRAMS, env: env(mode) }));
}

/** The C proxy's steps on 3.9 nest 2 calls deeper than plain (the pure proxy raises the limit by what its steps cost). */
function taskGap(py: Python, mode: RecorderMode): string | false {
  if (mode === 'native' && !atLeast(py, 3, 10)) return 'the C proxy costs 2 calls per step on 3.9';
  return false;
}

const inTask = (line: string) => line.startsWith('in a ');

for (const py of pythons) {
  describe(`recursion depth under the recorder, CPython ${py.version}`, () => {
    for (const mode of ['native', 'pure'] as RecorderMode[]) {
      const skip = mode === 'native' ? nativeUnbuildable(py.path!) ?? false : false;
      for (const form of ['script', '-m'] as const) {
        for (const limit of [60, 1000]) {
          const runs = skip ? null : Promise.all([run(py, form, limit), run(py, form, limit, mode)]);
          const both = async () => {
            const [plain, rec] = await runs!;
            assert.equal(plain.code, 0, `plain run: ${plain.stderr}`);
            assert.equal(rec.code, 0, `recorded run: ${rec.stderr}`);
            assert.equal(rec.stderr, plain.stderr);
            return [plain.stdout.split('\n'), rec.stdout.split('\n')];
          };
          test(`${form}, limit ${limit} (${mode}): module level, and the limit as the program reads and sets it`, { skip, timeout: 120_000 }, async () => {
            const [plain, rec] = await both();
            assert.deepEqual(rec.filter((l) => !inTask(l)), plain.filter((l) => !inTask(l)));
          });
          test(`${form}, limit ${limit} (${mode}): inside tasks`, { skip, todo: taskGap(py, mode), timeout: 120_000 }, async () => {
            const [plain, rec] = await both();
            assert.deepEqual(rec.filter(inTask), plain.filter(inTask));
          });
        }
      }
    }
  });
}
