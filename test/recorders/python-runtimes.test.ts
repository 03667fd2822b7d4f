// What the Python recorder must keep true on every CPython, checked where it broke on 3.14 and 3.15 (issue 12):
//
// - `python -m asyncio ps PID` and `pstree PID` (3.14+: they read each task's coroutine from outside the process)
//   print the same for a recorded program as for the plain one (the recorder keeps no proxy in the task there);
// - a coroutine that is never awaited prints the same under the recorder, also with -W error and -X dev (3.14
//   moved the hook the recorder wraps into _py_warnings: a NameError was printed), and run_in_executor under
//   -W error (asyncio.iscoroutinefunction is deprecated in 3.14) and with an InterpreterPoolExecutor (3.14+: it
//   cannot carry the recorder's closure) behaves as without it;
// - the running task is known on 3.14+ (it lives in the thread state there): parents, also of tasks created in an
//   eager first step, owners and resolvers of futures, cancel messages.
// (gather's children under main, the resolving task and the blocked-loop line are also checked by every example
// on every version in examples.test.ts.)
//
// Interpreters: every installed CPython 3.9–3.15 (lib/pythons.ts); both recorder modes where the C accelerator
// can be built. ASYNC_LANES_PYTHONS=3.14,3.15 narrows the versions.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { atLeast, discoverPythons, type Python } from './lib/pythons.js';
import { describeTasks, oneTask, taskNamed, type Report } from './lib/report.js';
import { loadReport, nativeUnbuildable, pool, RECORDER_PATH, runProcess, traceFile, type ProcResult, type RecorderMode } from './lib/run.js';

const onlyPythons = process.env.ASYNC_LANES_PYTHONS?.split(',').filter(Boolean);
const pythons = discoverPythons().filter((p) => !onlyPythons || onlyPythons.includes(p.minor));
const MODES: RecorderMode[] = ['native', 'pure'];
const unbuildable = new Map(pythons.filter((p) => p.path).map((p) => [p.minor, nativeUnbuildable(p.path!)]));
const modeSkip = (py: Python, mode: RecorderMode) => {
  const why = mode === 'native' ? unbuildable.get(py.minor) : null;
  return why ? `the C accelerator cannot be built for ${py.path}: ${why}` : undefined;
};

const dir = mkdtempSync(join(tmpdir(), 'al-runtimes-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function program(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, [...lines, ''].join('\n'));
  return p;
}

function env(mode?: RecorderMode): NodeJS.ProcessEnv {
  const e = { ...process.env };
  for (const k of ['PYTHONASYNCIODEBUG', 'PYTHONDEVMODE', 'PYTHONWARNINGS', 'PYTHONTRACEMALLOC', 'PYTHONPATH', 'PYTHONSTARTUP']) delete e[k];
  e.PYTHONDONTWRITEBYTECODE = '1';
  e.PYTHONIOENCODING = 'utf-8';
  if (mode) {
    e.PYTHONPATH = RECORDER_PATH;
    e.ASYNC_LANES_NATIVE = mode === 'native' ? '1' : '0';
  }
  return e;
}

/** `python FLAGS script` plainly, or `python FLAGS -m async_lanes run -o TRACE script` */
function run(py: Python, flags: string[], script: string, mode?: RecorderMode, trace?: string): Promise<ProcResult> {
  const argv = mode ? [...flags, '-m', 'async_lanes', 'run', '-o', trace!, '--block-threshold', '10000', script] : [...flags, script];
  return pool.run(() => runProcess(py.path!, argv, { cwd: dir, env: env(mode) }));
}

const plainRuns = new Map<string, Promise<ProcResult>>();
/** A plain run, once per interpreter, flags and program (both modes compare with it) */
function plainOnce(py: Python, flags: string[], script: string): Promise<ProcResult> {
  const k = `${py.path} ${flags.join(' ')} ${script}`;
  let p = plainRuns.get(k);
  if (!p) plainRuns.set(k, (p = run(py, flags, script)));
  return p;
}

/** Object addresses differ between two processes: the rest must not. */
const addrless = (s: string) => s.replace(/0x[0-9a-f]+/g, '0x…');

// ---------------------------------------------------------------------------------------------------------------

const NEVER_AWAITED = program('never_awaited_flags.py', [
  'import asyncio',
  '',
  'async def save(record):',
  '    await asyncio.sleep(0.01)',
  '    print("saved", record)',
  '',
  'def blocking(n):',
  '    return n * 2',
  '',
  'async def main():',
  '    asyncio.get_running_loop().slow_callback_duration = 60  # (-X dev: no timing-dependent warning)',
  '    save("lost")',
  '    await save("kept")',
  '    await asyncio.create_task(save("task"))',
  '    print("executor", await asyncio.get_running_loop().run_in_executor(None, blocking, 21))',
  '    print("main done")',
  '',
  'asyncio.run(main())',
  'save("at top level")',
  'print("end")',
]);
const FLAGS = [[], ['-W', 'error'], ['-X', 'dev'], ['-W', 'error', '-X', 'dev']];
// Await chains of fresh coroutines (a handler calling a service calling a client): each step is recorded at the
// innermost program line. leaf() can wait at one place only (the C accelerator then knows its line without reading
// its frame), two() at two, and the same chain is walked from tasks at different depths.
const CHAINS = program('chains.py', [
  'import asyncio',
  'async def leaf(n):',
  '    await asyncio.sleep(0)  # leaf',
  '    return n',
  'async def two(n):',
  '    await asyncio.sleep(0)  # two-a',
  '    await asyncio.sleep(0)  # two-b',
  '    return n',
  'async def mid(d, n):',
  '    if d == 0:',
  '        return await leaf(n) + await two(n) + await leaf(n)',
  '    return await mid(d - 1, n)',
  'async def main():',
  '    await asyncio.gather(*(mid(d, d) for d in range(5)))',
  'asyncio.run(main())',
]);
// A daemon thread's loop still stepping while the program exits; a GIL switch every microsecond puts it between the
// exit record and the last hand-over (CPython's test_asyncio once ended its trace with such a thread's `loop` record).
const DAEMON_LOOP = program('daemon_loop.py', [
  'import asyncio, sys, threading, time',
  'sys.setswitchinterval(1e-6)',
  'def spin():',
  '    async def beat():',
  '        while True:',
  '            await asyncio.sleep(0.0001)',
  '    loop = asyncio.new_event_loop()',
  '    loop.create_task(beat())',
  '    def stop():',
  '        while True:',
  '            time.sleep(0.0005)',
  '            loop.call_soon_threadsafe(loop.stop)',
  '    threading.Thread(target=stop, daemon=True).start()',
  '    while True:',
  '        loop.run_forever()',
  'threading.Thread(target=spin, daemon=True).start()',
  'asyncio.run(asyncio.sleep(0.05))',
]);

const INTERPRETERS = program('interpreter_pool.py', [
  'import asyncio',
  'from concurrent.futures import InterpreterPoolExecutor',
  '',
  'def square(n):',
  '    return n * n',
  '',
  'async def main():',
  '    loop = asyncio.get_running_loop()',
  '    with InterpreterPoolExecutor(max_workers=2) as pool:',
  '        print(await asyncio.gather(*(loop.run_in_executor(pool, square, n) for n in range(4))))',
  '',
  'asyncio.run(main())',
]);

// Tasks waiting in a known chain (a TaskGroup, gather, a coroutine awaiting another): ps and pstree show it.
const CHAIN = program('chain.py', [
  'import asyncio',
  '',
  'async def leaf(n):',
  '    await asyncio.sleep(3600)',
  '',
  'async def middle(n):',
  '    await leaf(n)',
  '',
  'async def worker(n):',
  '    await asyncio.gather(middle(n), leaf(n + 10))',
  '',
  'async def main():',
  '    async with asyncio.TaskGroup() as tg:',
  "        tg.create_task(worker(1), name='worker-1')",
  "        tg.create_task(worker(2), name='worker-2')",
  '        await asyncio.sleep(0.2)',
  "        print('ready', flush=True)",
  '        await asyncio.sleep(3600)',
  '',
  'asyncio.run(main())',
]);

// The running task on 3.14+: eager first steps, futures, cancel messages.
const RUNNING = program('running_task.py', [
  'import asyncio',
  '',
  'async def grandchild():',
  '    await asyncio.sleep(0.01)',
  "    return 'gc'",
  '',
  'async def eager_child(fut):',
  '    g = asyncio.create_task(grandchild(), name="grandchild")  # created in the eager first step',
  '    f = asyncio.get_running_loop().create_future()',
  '    asyncio.get_running_loop().call_soon(f.set_result, 1)',
  '    await f',
  "    fut.set_result('from eager_child')",
  '    return await g',
  '',
  'async def sleeper():',
  '    await asyncio.sleep(3600)',
  '',
  'async def main():',
  '    loop = asyncio.get_running_loop()',
  '    fut = loop.create_future()',
  '    loop.set_task_factory(asyncio.eager_task_factory)',
  '    t = asyncio.create_task(eager_child(fut), name="eager_child")',
  '    loop.set_task_factory(None)',
  '    s = asyncio.create_task(sleeper(), name="sleeper")',
  '    print(await fut, await t)',
  '    await asyncio.sleep(0)',
  "    s.cancel('enough')",
  '    try:',
  '        await s',
  '    except asyncio.CancelledError:',
  "        print('cancelled')",
  '',
  'asyncio.run(main())',
]);

/** Starts `argv` and resolves with the child once it printed `ready` (it is killed by the caller). */
function startUntilReady(cmd: string, argv: string[], e: NodeJS.ProcessEnv) {
  const child = spawn(cmd, argv, { cwd: dir, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise<{ pid: number; kill: () => void }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "ready" in 30 s; stdout ${out} stderr ${err}`));
    }, 30_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve({ pid: child.pid!, kill: () => child.kill('SIGKILL') });
      }
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before "ready": ${err}`));
    });
  });
}

for (const py of pythons) {
  if (!py.path) {
    test(`CPython ${py.minor}`, { skip: py.why ?? `CPython ${py.minor} is not installed` }, () => {});
    continue;
  }
  describe(`CPython ${py.version}`, () => {
    for (const mode of MODES) {
      const skip = modeSkip(py, mode);

      test(`a never-awaited coroutine and run_in_executor print the same with -W error and -X dev (${mode})`, { skip }, async () => {
        const runs = await Promise.all(
          FLAGS.map(async (flags) => {
            const trace = traceFile(`never-awaited-${py.minor}-${mode}-${flags.join('')}.lanes`);
            const [plain, recorded] = await Promise.all([plainOnce(py, flags, NEVER_AWAITED), run(py, flags, NEVER_AWAITED, mode, trace)]);
            return { flags, plain, recorded, trace };
          }),
        );
        for (const { flags, plain, recorded } of runs) {
          const how = `python ${flags.join(' ')}`;
          assert.equal(plain.code, 0, `${how}: the program itself: ${plain.stderr}`);
          assert.match(plain.stderr, /coroutine 'save' was never awaited/, `${how}: the program warns`);
          assert.equal(recorded.stdout, plain.stdout, `${how}: stdout`);
          assert.equal(addrless(recorded.stderr), addrless(plain.stderr), `${how}: stderr`);
          assert.equal(recorded.code, plain.code, `${how}: exit code`);
        }
        const report: Report = await loadReport(runs[0].trace);
        assert.deepEqual(
          report.findings.map((f) => `${f.kind} ${f.line}`),
          ['never-awaited 12', 'never-awaited 19'],
          `both never-awaited coroutines are findings: ${JSON.stringify(report.findings)}`,
        );
      });

      test(`each step of a chain of fresh coroutines is recorded at the innermost program line (${mode})`, { skip }, async () => {
        const trace = traceFile(`chains-${py.minor}-${mode}.lanes`);
        const r = await run(py, [], CHAINS, mode, trace);
        assert.equal(r.code, 0, r.stderr);
        const report = await loadReport(trace);
        const mids = report.tasks.filter((t) => t.coroutine === 'mid');
        assert.equal(mids.length, 5, describeTasks(report));
        const line = (marker: string) => readFileSync(CHAINS, 'utf8').split('\n').findIndex((l) => l.endsWith(`# ${marker}`)) + 1;
        for (const t of mids) {
          const awaits = t.awaits.map((a) => `${a.file === CHAINS ? 'chains.py' : a.file}:${a.line} x${a.count}`).sort();
          assert.deepEqual(awaits, [`chains.py:${line('leaf')} x2`, `chains.py:${line('two-a')} x1`, `chains.py:${line('two-b')} x1`].sort(), `task ${t.name}`);
        }
      });

      test(`the exit is the trace's last record, also with a daemon thread's loop still stepping (${mode})`, { skip }, async () => {
        const lasts = await Promise.all(
          Array.from({ length: 8 }, async (_, i) => {
            const trace = traceFile(`daemon-${py.minor}-${mode}-${i}.lanes`);
            const r = await run(py, [], DAEMON_LOOP, mode, trace);
            assert.equal(r.code, 0, r.stderr);
            const lines = readFileSync(trace, 'utf8').trimEnd().split('\n');
            return (JSON.parse(lines[lines.length - 1]) as unknown[])[0];
          }),
        );
        assert.deepEqual(lasts, Array(8).fill('exit'), 'what each of 8 runs ends with');
      });

      if (!atLeast(py, 3, 14)) continue;

      test(`run_in_executor with an InterpreterPoolExecutor works as without the recorder (${mode})`, { skip }, async () => {
        const trace = traceFile(`interpreters-${py.minor}-${mode}.lanes`);
        const [plain, recorded] = await Promise.all([plainOnce(py, [], INTERPRETERS), run(py, [], INTERPRETERS, mode, trace)]);
        assert.equal(plain.code, 0, plain.stderr);
        assert.equal(plain.stdout, '[0, 1, 4, 9]\n');
        assert.equal(recorded.stdout, plain.stdout, `stdout; stderr: ${recorded.stderr}`);
        assert.equal(recorded.stderr, plain.stderr);
        assert.equal(recorded.code, 0);
      });

      test(`the running task: eager first steps, futures, cancel messages (${mode})`, { skip }, async () => {
        const trace = traceFile(`running-${py.minor}-${mode}.lanes`);
        const [plain, recorded] = await Promise.all([plainOnce(py, [], RUNNING), run(py, [], RUNNING, mode, trace)]);
        assert.equal(plain.code, 0, plain.stderr);
        assert.equal(recorded.stdout, plain.stdout, recorded.stderr);
        assert.equal(recorded.stderr, plain.stderr);
        const report = await loadReport(trace);
        const main = oneTask(report, 'main');
        const child = taskNamed(report, 'eager_child');
        const grand = taskNamed(report, 'grandchild');
        const sleeper = taskNamed(report, 'sleeper');
        assert.equal(child.parent, main.id, describeTasks(report));
        assert.equal(grand.parent, child.id, `created in eager_child's eager first step: ${describeTasks(report)}`);
        assert.equal(sleeper.parent, main.id);
        assert.equal(child.result, "'gc'");
        const owned = report.futures.filter((f) => f.owner === child.id && f.kind === 'future');
        assert.equal(owned.length, 1, `eager_child owns the future it made in its eager step: ${JSON.stringify(report.futures)}`);
        const byChild = report.futures.filter((f) => f.resolvedBy === child.id);
        assert.equal(byChild.length, 1, `eager_child resolves main's future: ${JSON.stringify(report.futures)}`);
        assert.equal(byChild[0].owner, main.id);
        assert.equal(sleeper.state, 'cancelled');
        assert.equal(sleeper.cancelledBy, main.id);
        const lines = readFileSync(trace, 'utf8').split('\n');
        assert.ok(lines.some((l) => l.startsWith('["end",') && l.includes(`,${sleeper.id},"cancelled","enough",`)), 'the cancel message is recorded');
      });

      for (const cmd of ['ps', 'pstree']) {
        test(`python -m asyncio ${cmd} PID shows the same for a recorded program (${mode})`, { skip }, async () => {
          const trace = traceFile(`chain-${cmd}-${py.minor}-${mode}.lanes`);
          const plain = await startUntilReady(py.path!, [CHAIN], env());
          let recorded: { pid: number; kill: () => void } | null = null;
          try {
            recorded = await startUntilReady(py.path!, ['-m', 'async_lanes', 'run', '-o', trace, CHAIN], env(mode));
            // (the wrapper runs the interpreter in a mount namespace: the tool runs through the same wrapper)
            const look = (pid: number) => pool.run(() => runProcess(py.path!, ['-m', 'asyncio', cmd, String(pid)], { cwd: dir, env: env(), timeoutMs: 60_000 }));
            const [a, b] = await Promise.all([look(plain.pid), look(recorded.pid)]);
            assert.equal(a.code, 0, `${cmd} of the plain program: ${a.stderr}`);
            assert.equal(b.code, 0, `${cmd} of the recorded program: ${b.stderr}`);
            const norm = (s: string, pid: number) => addrless(s).replace(new RegExp(`^${pid}\\b`, 'gm'), 'TID').replace(/ +/g, ' ');
            const pa = norm(a.stdout, plain.pid);
            assert.match(pa, cmd === 'ps' ? /sleep -> leaf -> middle/ : /worker-1/, `the plain program's ${cmd}:\n${a.stdout}`);
            assert.equal(norm(b.stdout, recorded.pid), pa, `${cmd}: recorded\n${b.stdout}\nplain\n${a.stdout}`);
          } finally {
            plain.kill();
            recorded?.kill();
          }
        });
      }
    }
  });
}
