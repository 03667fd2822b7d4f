// Signals at random moments under the Python recorder: SIGTERM, SIGINT and SIGHUP delivered to a recorded program
// while 200 tasks step as fast as they can (the recorder hands its records over all the time), and SIGTERM during a
// long C call. Every run ends within a bound (the recorder once deadlocked when SIGTERM arrived inside its locked
// hand-over, and its handler made the exit wait for the C call), with the exit status the plain program has under
// the same signal, and its trace opens.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { discoverPythons } from './lib/pythons.js';
import { CLI, nativeUnbuildable, RECORDER_PATH, type RecorderMode } from './lib/run.js';

const dir = mkdtempSync(join(tmpdir(), 'al-signals-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BUSY = join(dir, 'busy.py');
writeFileSync(BUSY, [
  'import asyncio',
  'async def spin(i):',
  '    while True:',
  '        await asyncio.sleep(0)',
  'async def main():',
  '    await asyncio.gather(*(spin(i) for i in range(200)))',
  'print("started", flush=True)',
  'asyncio.run(main())',
  '',
].join('\n'));
const C_CALL = join(dir, 'c_call.py');
writeFileSync(C_CALL, [
  'import asyncio, hashlib',
  'async def main():',
  '    await asyncio.sleep(0)',
  '    print("started", flush=True)',
  "    hashlib.pbkdf2_hmac('sha256', b'x', b'y', 15_000_000)  # a long C call (~7 s) that checks no signals",
  'asyncio.run(main())',
  '',
].join('\n'));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stderr: string;
}

/** Runs `script` (recorded into `trace` when given), sends `sig` `delayMs` after it printed "started". */
function signalled(python: string, script: string, sig: NodeJS.Signals, delayMs: number, trace: string | null, mode: RecorderMode): Promise<Outcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  delete env.PYTHONPATH;
  let args = [script];
  if (trace) {
    env.PYTHONPATH = RECORDER_PATH;
    env.ASYNC_LANES_NATIVE = mode === 'native' ? '1' : '0';
    args = ['-m', 'async_lanes', 'run', '-o', trace, script];
  }
  return new Promise((resolve) => {
    const child = spawn(python, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let t0 = 0;
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.on('data', () => {
      if (t0) return;
      t0 = Date.now();
      setTimeout(() => (t0 = Date.now(), child.kill(sig)), delayMs);
    });
    // No hang: a run that outlives this is killed, and the test fails on its time.
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, ms: t0 ? Date.now() - t0 : -1, stderr });
    });
  });
}

function traceOpens(trace: string): void {
  assert.ok(existsSync(trace), 'a trace was written');
  const r = spawnSync(process.execPath, [CLI, 'report', trace], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `the trace opens: ${r.stderr}`);
}

const pythons = discoverPythons().filter((p) => p.path && ['3.11', '3.14'].includes(p.minor));
const RUNS = 6;

for (const py of pythons) {
  describe(`signals under the recorder, CPython ${py.version}`, () => {
    for (const mode of ['native', 'pure'] as RecorderMode[]) {
      const skip = mode === 'native' ? nativeUnbuildable(py.path!) ?? false : false;
      for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as NodeJS.Signals[]) {
        test(`${sig} at random moments among 200 stepping tasks (${mode}): ends at once, as plain`, { skip, timeout: 600_000 }, async () => {
          for (let i = 0; i < RUNS; i++) {
            const delay = Math.floor(Math.random() * 400);
            const trace = join(dir, `busy-${py.minor}-${mode}-${sig}-${i}.lanes`);
            const [plain, rec] = await Promise.all([signalled(py.path!, BUSY, sig, delay, null, mode), signalled(py.path!, BUSY, sig, delay, trace, mode)]);
            assert.ok(rec.ms >= 0 && rec.ms < 10_000, `run ${i}: ended ${rec.ms} ms after the signal (plain: ${plain.ms} ms)`);
            assert.equal(rec.signal, plain.signal, `run ${i}: the signal it died of`);
            assert.equal(rec.code, plain.code, `run ${i}: its exit status`);
            if (sig === 'SIGINT') assert.match(rec.stderr, /KeyboardInterrupt\s*$/, 'the KeyboardInterrupt traceback, as plain');
            else assert.equal(rec.stderr, plain.stderr, `run ${i}: stderr`);
            traceOpens(trace);
          }
        });
      }
      test(`SIGTERM during a long C call (${mode}): the program ends at once, as plain`, { skip, timeout: 120_000 }, async () => {
        const trace = join(dir, `c-${py.minor}-${mode}.lanes`);
        const [plain, rec] = await Promise.all([signalled(py.path!, C_CALL, 'SIGTERM', 200, null, mode), signalled(py.path!, C_CALL, 'SIGTERM', 200, trace, mode)]);
        assert.equal(plain.signal, 'SIGTERM');
        assert.equal(rec.signal, 'SIGTERM', `killed by the signal (exit ${rec.code}, stderr ${rec.stderr})`);
        assert.ok(rec.ms < 2000, `ended ${rec.ms} ms after SIGTERM (plain: ${plain.ms} ms; the C call lasts ~7 s)`);
        traceOpens(trace);
      });
    }
  });
}
