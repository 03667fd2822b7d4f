// How deep a recorded program can nest calls (issue 13, issue 12 point 6): the recorder's launch runs below the
// program's first frame (runpy, async_lanes' __main__, _cli.main, an exec), which made RecursionError come 4-6 calls
// early; the recorder now raises the interpreter's limit by what its launch costs and shows the program its own limit
// (async_lanes/_depth.py). test/recorders/programs/recursion_depth.py prints the deepest nesting at module level and
// inside tasks under limits 60 and 1000, and what sys.getrecursionlimit/setrecursionlimit answer (errors included);
// run as a script and with -m, plainly and recorded, on every installed CPython 3.9–3.15, with and without the C
// accelerator; and the same inside a step resumed by a cancellation (a throw()). ASYNC_LANES_PYTHONS=3.11,3.14
// narrows the versions.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { discoverPythons, type Python } from './lib/pythons.js';
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

const inTask = (line: string) => line.startsWith('in a ');

// A step that resumes a task with an exception (a cancellation) is a throw(): plain, the task calls the coroutine's
// throw() method, one call more than a send; through the recorder's proxy it cost one call less than a send.
const THROW_PROGRAM = `import asyncio, sys
def deepest(n=0):
    try:
        return deepest(n + 1)
    except RecursionError:
        return n
async def victim(ready):
    try:
        ready.set()
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        print('after a cancellation', deepest(), sys.getrecursionlimit())
async def main():
    ready = asyncio.Event()
    task = asyncio.ensure_future(victim(ready))
    await ready.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
sys.setrecursionlimit(int(sys.argv[1]))
asyncio.run(main())
`;
const throwDir = mkdtempSync(join(tmpdir(), 'al-recursion-'));
writeFileSync(join(throwDir, 'throw_depth.py'), THROW_PROGRAM);

function runThrow(py: Python, mode?: RecorderMode): Promise<ProcResult> {
  const trace = traceFile(`recursion-throw-${py.minor}-${mode}.lanes`);
  const argv = mode ? ['-m', 'async_lanes', 'run', '-o', trace, 'throw_depth.py', '100'] : ['throw_depth.py', '100'];
  return pool.run(() => runProcess(py.path!, argv, { cwd: throwDir, env: env(mode) }));
}

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
          test(`${form}, limit ${limit} (${mode}): inside tasks`, { skip, timeout: 120_000 }, async () => {
            const [plain, rec] = await both();
            assert.deepEqual(rec.filter(inTask), plain.filter(inTask));
          });
        }
      }
      const throwRuns = skip ? null : Promise.all([runThrow(py), runThrow(py, mode)]);
      test(`a step resumed by a cancellation (${mode})`, { skip, timeout: 120_000 }, async () => {
        const [plain, rec] = await throwRuns!;
        assert.equal(plain.code, 0, `plain run: ${plain.stderr}`);
        assert.equal(rec.code, 0, `recorded run: ${rec.stderr}`);
        assert.match(plain.stdout, /^after a cancellation \d+ 100\n$/);
        assert.equal(rec.stdout, plain.stdout);
      });
    }
  });
}
