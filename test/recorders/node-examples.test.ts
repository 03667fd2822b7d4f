// The Node example programs (examples/node, JavaScript and TypeScript) on Node 20 (this machine's), 22, 24 and 26
// (installed by scripts/setup-node-versions.sh): each runs plainly and under `async-lanes record` with the same stdout,
// stderr and exit code (TypeScript: where Node strips types itself, recorded by a copy of async-lanes with no esbuild
// anywhere near it; on Node 20 with esbuild, against known output), and the report of its trace shows what the example does: tasks, parents, overlaps, what each await
// waited on and where, who woke it, how tasks ended, blocked loops and unhandled rejections. Expected lines come from
// marker comments in the examples (`// await: fetch-sleep`), never from numbers.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { endOf, overlap, type Report, type ReportTask } from './lib/report.js';
import { CLI, loadReport, pool, ROOT, runProcess, traceFile } from './lib/run.js';

const EXAMPLES = join(ROOT, 'examples', 'node');

interface NodeVersion {
  version: string;
  bin: string;
  /** Runs .ts files itself (type stripping on by default: 22.18+, 23.6+), with module.stripTypeScriptTypes. */
  stripsTypes: boolean;
}

function nodeVersions(): NodeVersion[] {
  const bins = [process.execPath];
  const lines = execFileSync('bash', [join(ROOT, 'scripts', 'setup-node-versions.sh')], { encoding: 'utf8', timeout: 600_000 });
  for (const line of lines.trim().split('\n')) {
    const [version, bin] = line.split(' ');
    if (version && bin) bins.push(bin);
  }
  const probe = 'console.log(process.version, Boolean(process.features.typescript) && typeof require("node:module").stripTypeScriptTypes === "function")';
  return bins.map((bin) => {
    const [version, strips] = execFileSync(bin, ['-e', probe], { encoding: 'utf8', env: { PATH: process.env.PATH } }).trim().split(' ');
    return { version, bin, stripsTypes: strips === 'true' };
  });
}

/** async-lanes as installed without its dev dependencies: bin/ and out/src/ copied to a folder of their own, so no
 * esbuild is reachable from it (the repository's own node_modules has one). */
let bareCli: string | null = null;
function cliWithoutEsbuild(): string {
  if (bareCli === null) {
    const dir = mkdtempSync(join(tmpdir(), 'async-lanes-bare-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'out', 'src'), join(dir, 'out', 'src'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    bareCli = join(dir, 'bin', 'async-lanes.js');
  }
  return bareCli;
}

/** Line of the `// <marker>` comment. */
function L(file: string, marker: string): number {
  const lines = readFileSync(join(EXAMPLES, file), 'utf8').split('\n');
  const hits = lines.map((l, i) => (l.includes(`// ${marker}`) ? i + 1 : 0)).filter((n) => n > 0);
  assert.equal(hits.length, 1, `marker "// ${marker}" in ${file}`);
  return hits[0];
}

/** Line of the one source line that begins with `start` (after its indentation). */
function lineOf(file: string, start: string): number {
  const lines = readFileSync(join(EXAMPLES, file), 'utf8').split('\n');
  const hits = lines.map((l, i) => (l.trimStart().startsWith(start) ? i + 1 : 0)).filter((n) => n > 0);
  assert.equal(hits.length, 1, `one line beginning "${start}" in ${file}`);
  return hits[0];
}

const fn = (r: Report, name: string) => r.tasks.filter((t) => t.coroutine === name);
function one(r: Report, name: string): ReportTask {
  const ts = fn(r, name);
  assert.equal(ts.length, 1, `one ${name} task; tasks: ${r.tasks.map((t) => t.coroutine).join(', ')}`);
  return ts[0];
}
function awaitAt(t: ReportTask, line: number) {
  const a = t.awaits.find((x) => x.line === line);
  assert.ok(a, `${t.coroutine} (id ${t.id}) should await at line ${line}; awaits: ${JSON.stringify(t.awaits.map((x) => `${x.line}:${x.kind}`))}`);
  return a;
}
function pairwiseOverlap(ts: ReportTask[]) {
  for (let i = 0; i < ts.length; i++) for (let j = i + 1; j < ts.length; j++) assert.ok(overlap(ts[i], ts[j]), `tasks ${ts[i].id} and ${ts[j].id} overlap`);
}
/** The `block` records of a trace file, as written. */
function blockRecords(trace: string): unknown[][] {
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('["block",'))
    .map((l) => JSON.parse(l) as unknown[]);
}
const wokenBy = (t: ReportTask, via: string) => (t.wakers ?? []).some((w) => w.via === via);

interface Example {
  file: string;
  exit?: number;
  /** TypeScript on a Node that does not strip types (20): no plain `node file.ts` to compare with; the output is
   * known. */
  stdout?: string;
  check: (r: Report, file: string, trace: string) => void;
}

const EXAMPLE_LIST: Example[] = [
  {
    file: 'gather_timers.js',
    check(r, file) {
      const main = one(r, 'main');
      const items = fn(r, 'fetchItem');
      assert.equal(items.length, 3);
      for (const t of items) {
        assert.equal(t.parent, main.id);
        assert.equal(awaitAt(t, L('gather_timers.js', 'await: fetch-sleep')).kind, 'sleep');
        assert.ok(wokenBy(t, 'timer'), `fetchItem ${t.id} woken by its timer: ${JSON.stringify(t.wakers)}`);
        assert.equal(t.file, file);
      }
      pairwiseOverlap(items);
      assert.deepEqual(items.map((t) => t.result).sort(), ['"item 1"', '"item 2"', '"item 3"']);
      assert.equal(awaitAt(main, L('gather_timers.js', 'await: gather')).kind, 'gather');
      assert.ok((main.wakers ?? []).some((w) => w.via === 'task' && items.some((t) => t.id === w.by)), 'the last fetchItem woke main');
      assert.ok(main.waitNsByKind.gather! >= 250e6, 'main waits ~300 ms on the gather');
    },
  },
  {
    file: 'sequential.js',
    check(r) {
      const steps = fn(r, 'step').sort((a, b) => a.start - b.start);
      assert.equal(steps.length, 3);
      for (let i = 1; i < steps.length; i++) assert.ok(endOf(steps[i - 1]) <= steps[i].start, 'steps run one after the other');
      for (const s of steps) {
        assert.equal(awaitAt(s, L('sequential.js', 'await: step-timer')).kind, 'sleep');
        assert.equal(s.parent, one(r, 'main').id);
      }
      assert.deepEqual(steps.map((s) => s.result), ['1', '4', '9']);
      assert.equal(awaitAt(one(r, 'main'), L('sequential.js', 'await: sequential')).count, 3);
    },
  },
  {
    file: 'fs_read.js',
    check(r) {
      const reads = fn(r, 'readSize');
      assert.equal(reads.length, 2);
      pairwiseOverlap(reads);
      for (const t of reads) {
        assert.equal(awaitAt(t, L('fs_read.js', 'await: read')).kind, 'io');
        assert.ok(wokenBy(t, 'io'), `readSize woken by I/O: ${JSON.stringify(t.wakers)}`);
      }
    },
  },
  {
    file: 'http_server.js',
    check(r) {
      const main = one(r, 'main');
      const handlers = fn(r, 'handle');
      const requests = fn(r, 'request');
      assert.equal(handlers.length, 3);
      assert.equal(requests.length, 3);
      for (const h of handlers) {
        assert.equal(h.parent, null, 'handlers start from the server callback, not inside a task');
        assert.equal(awaitAt(h, L('http_server.js', 'await: handler-timer')).kind, 'sleep');
      }
      for (const q of requests) {
        assert.equal(q.parent, main.id);
        assert.equal(awaitAt(q, L('http_server.js', 'await: client-get')).kind, 'io');
      }
      pairwiseOverlap(handlers);
      pairwiseOverlap(requests);
      assert.ok(r.callbacks.length > 0, 'socket callbacks on the event-loop lane');
    },
  },
  {
    file: 'caught_rejection.js',
    check(r) {
      const failing = one(r, 'failing');
      assert.equal(failing.state, 'error');
      assert.equal(failing.error, 'Error: no such user');
      const main = one(r, 'main');
      assert.equal(main.state, 'ok');
      assert.equal(main.result, '"recovered"');
      assert.equal(awaitAt(main, L('caught_rejection.js', 'await: caught')).kind, 'task');
      assert.equal(r.findings.length, 0, JSON.stringify(r.findings));
    },
  },
  {
    file: 'unhandled_rejection.js',
    exit: 1,
    check(r, file) {
      const lost = one(r, 'lost');
      assert.equal(lost.state, 'error');
      assert.equal(lost.error, 'TypeError: nobody handles this');
      const f = r.findings.find((x) => x.kind === 'unretrieved-exception');
      assert.ok(f, JSON.stringify(r.findings));
      assert.equal(f.taskId, lost.id);
      assert.equal(f.file, file);
      assert.equal(r.meta.exit?.how, 'exception');
    },
  },
  {
    // One step holds the loop ~1050 ms: 250 ms in prepare()'s loop, then 800 ms in busy()'s. The watchdog samples it
    // from half the threshold on: the first samples may land in prepare() (all of them did when the finding took the
    // first sample), most land in busy(); a machine too loaded to sample early only shifts them towards busy().
    file: 'blocking.js',
    check(r, file, trace) {
      const cruncher = one(r, 'cruncher');
      // (Another step starved of the CPU on a loaded machine may be a block too: only cruncher's is asserted on.)
      const blocks = r.findings.filter((x) => x.kind === 'blocked-loop' && x.taskId === cruncher.id);
      assert.equal(blocks.length, 1, JSON.stringify(r.findings));
      const block = blocks[0];
      assert.equal(block.file, file);
      assert.equal(block.line, L('blocking.js', 'block: cpu'), `the line of the CPU loop: ${block.message}`);
      // Both loops run on Date.now(): a loaded machine can only make the step longer.
      assert.ok(block.durationNs! >= 1040e6, `the step ran prepare(250) and busy(800): ${block.durationNs} ns`);
      assert.ok(block.durationNs! <= cruncher.busyNs, 'the block is one of cruncher\'s steps');
      const rec = blockRecords(trace).find((b) => b[3] === cruncher.id);
      assert.ok(rec, 'a block record for cruncher');
      const [seen, samples] = [rec[5], rec[6]];
      assert.ok(typeof samples === 'number' && samples >= 2, `several samples: ${JSON.stringify(rec)}`);
      assert.ok(typeof seen === 'number' && seen * 2 > samples, `most samples saw the CPU loop: ${JSON.stringify(rec)}`);
      assert.match(block.message, new RegExp(`stuck in busy \\(${seen} of ${samples} samples\\)$`));
      const ticker = one(r, 'ticker');
      assert.ok(overlap(ticker, cruncher));
      assert.ok(endOf(ticker) > cruncher.start + block.durationNs!, 'a tick waited for the block');
    },
  },
  {
    file: 'async_iterator.js',
    check(r) {
      const consume = one(r, 'consume');
      const produce = one(r, 'produce');
      assert.equal(produce.parent, consume.id);
      assert.equal(awaitAt(produce, L('async_iterator.js', 'yield: produce')).kind, 'queue');
      assert.equal(awaitAt(produce, L('async_iterator.js', 'await: produce-timer')).kind, 'sleep');
      assert.ok(awaitAt(consume, L('async_iterator.js', 'await: for-await')).count >= 3);
      assert.equal(consume.result, '3');
      assert.ok(overlap(consume, produce));
    },
  },
  {
    file: 'abort_timeout.js',
    check(r) {
      const slow = one(r, 'slow');
      assert.equal(slow.state, 'error');
      assert.match(slow.error ?? '', /^AbortError: /);
      awaitAt(slow, L('abort_timeout.js', 'await: slow-sleep'));
      assert.ok(endOf(slow) - slow.start < 2000e6, 'aborted long before the 5 s timer');
      assert.equal(one(r, 'main').state, 'ok');
    },
  },
  {
    file: 'return_promise.js',
    check(r) {
      const delayed = fn(r, 'delayed');
      assert.equal(delayed.length, 2);
      for (const t of delayed) {
        assert.equal(t.state, 'ok');
        assert.equal(t.result, '"slept"', 'the value of the returned promise, not the promise');
        assert.ok(endOf(t) - t.start >= 140e6, `delayed ends when its 150 ms timer resolves the returned promise: ${endOf(t) - t.start} ns`);
        assert.equal(awaitAt(t, L('return_promise.js', 'return: delayed')).kind, 'sleep');
      }
      const cached = one(r, 'cached');
      assert.equal(cached.result, '"slept"');
      const inner = delayed.find((t) => t.parent === cached.id);
      assert.ok(inner, 'cached() called delayed()');
      assert.equal(awaitAt(cached, L('return_promise.js', 'return: cached')).kind, 'task');
      assert.ok((cached.wakers ?? []).some((w) => w.via === 'task' && w.by === inner.id), 'the returned task ended cached()');
      assert.ok(endOf(cached) >= endOf(inner));
      const rejecting = one(r, 'rejecting');
      assert.equal(rejecting.state, 'error');
      assert.equal(rejecting.error, 'RangeError: too late');
      assert.ok(endOf(rejecting) - rejecting.start >= 45e6, 'ends when the returned promise rejects');
    },
  },
  {
    file: 'gather_timers.ts',
    stdout: 'item 1, item 2, item 3\n',
    check(r, file) {
      const main = one(r, 'main');
      const items = fn(r, 'fetchItem');
      assert.equal(items.length, 3);
      pairwiseOverlap(items);
      for (const t of items) {
        assert.equal(t.parent, main.id);
        assert.equal(t.file, file, 'sites are in the .ts file');
        assert.equal(awaitAt(t, L('gather_timers.ts', 'await: ts-fetch-sleep')).kind, 'sleep');
      }
      assert.equal(awaitAt(main, L('gather_timers.ts', 'await: ts-gather')).kind, 'gather');
    },
  },
  {
    file: 'ts_generics.mts',
    stdout: 'drained 1, 2\n',
    check(r, file) {
      const main = one(r, 'main');
      const drain = one(r, 'drain');
      const jobs = fn(r, 'runJob').sort((a, b) => a.start - b.start);
      assert.equal(jobs.length, 2);
      assert.equal(drain.parent, main.id);
      for (const t of [main, drain, ...jobs]) assert.equal(t.file, file, 'sites are in the .mts file');
      assert.equal(main.line, lineOf('ts_generics.mts', 'async function main('));
      assert.equal(drain.line, lineOf('ts_generics.mts', 'async drain('));
      for (const t of jobs) {
        assert.equal(t.parent, drain.id);
        assert.equal(t.line, lineOf('ts_generics.mts', 'const runJob ='));
        assert.equal(awaitAt(t, L('ts_generics.mts', 'await: ts-job-sleep')).kind, 'sleep');
        assert.equal(t.state, 'ok');
      }
      assert.ok(endOf(jobs[0]) <= jobs[1].start, 'drain runs its jobs one after the other');
      assert.equal(awaitAt(drain, L('ts_generics.mts', 'await: ts-drain')).count, 2);
      assert.equal(awaitAt(main, L('ts_generics.mts', 'await: ts-main')).kind, 'task');
      assert.equal(drain.result, 'Array(2)');
    },
  },
  {
    file: 'esm_top_level.mjs',
    check(r) {
      const mod = one(r, '<module>');
      const worker = one(r, 'worker');
      assert.equal(worker.parent, mod.id);
      assert.equal(awaitAt(mod, L('esm_top_level.mjs', 'await: top-level')).kind, 'task');
      assert.equal(mod.state, 'ok');
      assert.equal(worker.result, '"ESM"');
    },
  },
  {
    // Same stdout plain and recorded is the point here: AsyncLocalStorage and the program's own hook still work,
    // and the recorder leaves nothing on the program's promises.
    file: 'async_context.js',
    check(r) {
      const main = one(r, 'main');
      const lookups = fn(r, 'lookup');
      assert.equal(lookups.length, 5);
      for (const t of lookups) {
        assert.equal(awaitAt(t, L('async_context.js', 'await: lookup-timer')).kind, 'sleep');
        assert.ok(wokenBy(t, 'timer'), `lookup ${t.id} woken by its timer`);
      }
      const requests = fn(r, 'request');
      assert.equal(requests.length, 2);
      for (const req of requests) {
        assert.equal(req.parent, main.id);
        const inner = r.tasks.filter((t) => t.parent === req.id);
        assert.equal(inner.length, 1, 'als.run ran one async arrow for the request');
        assert.equal(awaitAt(inner[0], L('async_context.js', 'await: first-lookup')).kind, 'task');
      }
      assert.deepEqual(lookups.map((t) => t.result).sort(), ['"req1:a"', '"req1:b"', '"req2:a"', '"req2:b"', '"undefined:x"']);
    },
  },
];

const strip = (stderr: string) => stderr.split('\n').filter((l) => !l.startsWith('async-lanes:')).join('\n');
/** Node's warnings name the process: `(node:1234) Warning: ...`. */
const pidless = (stderr: string) => stderr.replace(/^\(node:\d+\)/gm, '(node:PID)');
/** Node's own frames below the program's in a stack trace say where the microtask queue was drained; seen once at load
 * 15 on Node 22: `runNextTicks`/`processTimers` under the recorded run only (README, Node limits). */
const ownFrames = (stderr: string) => stderr.split('\n').filter((l) => !/^    at .*\(node:internal\/[^)]*\)$|^    at node:internal\//.test(l)).join('\n');

for (const node of nodeVersions()) {
  describe(`Node recorder examples on node ${node.version}`, () => {
    for (const ex of EXAMPLE_LIST) {
      // TypeScript where Node strips types: run plainly too, and recorded with no esbuild reachable.
      const tsNative = /\.[cm]?ts$/.test(ex.file) && node.stripsTypes;
      test(ex.file + (tsNative ? ' (types stripped, no esbuild)' : ''), async () => {
        const file = join(EXAMPLES, ex.file);
        const trace = traceFile(`node${node.version}-${ex.file}.lanes`);
        const env = { ...process.env };
        delete env.NODE_OPTIONS;
        delete env.ASYNC_LANES_ESBUILD;
        const cli = tsNative ? cliWithoutEsbuild() : CLI;
        const [plain, recorded] = await Promise.all([
          ex.stdout !== undefined && !tsNative
            ? { code: 0, stdout: ex.stdout, stderr: '' }
            : pool.run(() => runProcess(node.bin, [file], { cwd: EXAMPLES, env })),
          pool.run(() => runProcess(process.execPath, [cli, 'record', '-o', trace, '--block-threshold', '200', '--', node.bin, file], { cwd: EXAMPLES, env })),
        ]);
        assert.equal(plain.code, ex.exit ?? 0, `plain run: ${plain.stderr}`);
        assert.equal(recorded.code, plain.code, `recorded run: ${recorded.stderr}`);
        if (ex.stdout !== undefined) assert.equal(plain.stdout, ex.stdout);
        assert.equal(recorded.stdout, plain.stdout);
        assert.equal(ownFrames(pidless(strip(recorded.stderr))), ownFrames(pidless(plain.stderr)));
        const report = await loadReport(trace);
        assert.equal(report.meta.runtime, 'node');
        assert.equal(report.meta.runtimeVersion, node.version.slice(1));
        assert.equal(report.meta.truncated, false);
        assert.equal(report.meta.skipped, 0);
        ex.check(report, file, trace);
      });
    }
  });
}

// What the recorder's rewrite cannot keep (README: "Limits"): Node prints the rewritten source line above an
// uncaught error, and columns on rewritten lines move. Everything else of the error is the program's own.
test('an uncaught error thrown on a rewritten line: same message, frames, lines and exit code', async () => {
  const file = join(EXAMPLES, 'throw_columns.js');
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const trace = traceFile('throw_columns.lanes');
  const [plain, recorded] = await Promise.all([
    pool.run(() => runProcess(process.execPath, [file], { cwd: EXAMPLES, env })),
    pool.run(() => runProcess(process.execPath, [CLI, 'record', '-o', trace, '--', process.execPath, file], { cwd: EXAMPLES, env })),
  ]);
  assert.equal(plain.code, 1);
  assert.equal(recorded.code, plain.code);
  assert.equal(recorded.stdout, plain.stdout);
  // Line 1 names file:line; lines 2-3 echo the source line and point at the column.
  const shape = (stderr: string) => strip(stderr).split('\n').filter((_, k) => k !== 1 && k !== 2).join('\n').replace(/:(\d+):\d+\)/g, ':$1:COL)');
  assert.match(plain.stderr, /TypeError: Cannot read properties of undefined \(reading 'name'\)\n    at parse \(.*throw_columns\.js:4:\d+\)/);
  assert.equal(shape(recorded.stderr), shape(plain.stderr));
  const report = await loadReport(trace);
  assert.equal(one(report, 'parse').error, "TypeError: Cannot read properties of undefined (reading 'name')");
  assert.equal(report.meta.exit?.how, 'exception');
});
