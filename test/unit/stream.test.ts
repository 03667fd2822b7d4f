// The streaming readers (src/model/stream.ts; report, report --json and export in the CLI) against the in-memory
// TraceIndex they replace for large traces: the same report text and JSON byte for byte, and the same Chrome
// events (export writes them in reading order: compared as a multiset, wake arrows by their two ends), on the
// fixtures, recorded Python and Node examples and generated traces; and a large generated trace read in a small heap.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportCommand } from '../../src/cli/export.js';
import { jsonChunks } from '../../src/files/json.js';
import { reportCommand } from '../../src/cli/report.js';
import { renderReport } from '../../src/cli/text.js';
import { toChromeTrace, type ChromeTrace } from '../../src/exporters/chrome.js';
import { findFindings } from '../../src/model/findings.js';
import { TraceIndex } from '../../src/model/index.js';
import { parseTrace, TraceParser } from '../../src/model/parser.js';
import { buildReport, taskEntry } from '../../src/model/report.js';
import { TraceStream, type StreamOptions } from '../../src/model/stream.js';
import { traceNotices } from '../../src/files/trace-file.js';
import { FIXTURES, ROOT } from './helpers.js';

const TMP = mkdtempSync(join(tmpdir(), 'async-lanes-stream-'));
process.on('exit', () => rmSync(TMP, { recursive: true, force: true }));

/** What the previous reader printed: report text, report JSON, the export's events, the notices. */
function inMemory(text: string): { report: string; json: string; chrome: ChromeTrace; notices: string[] } {
  const data = parseTrace(text);
  const index = new TraceIndex(data);
  const findings = findFindings(index);
  return {
    report: renderReport(index, findings),
    json: [...jsonChunks(buildReport(index, findings))].join(''),
    chrome: toChromeTrace(index, findings),
    notices: traceNotices(data),
  };
}

async function cliOut(run: (argv: string[], io: { out: (t: string) => void; err: (l: string) => void }) => Promise<number>, argv: string[]) {
  let out = '';
  const err: string[] = [];
  const code = await run(argv, { out: (t) => void (out += t), err: (l) => void err.push(l) });
  return { code, out, err };
}

/** Chrome events as a sorted multiset, each wake arrow named by its two ends instead of its number. */
function events(trace: ChromeTrace): string[] {
  const ends = new Map<number, Record<string, unknown>>();
  for (const e of trace.traceEvents) if (e.ph === 's' || e.ph === 'f') ends.set(e.id!, { ...ends.get(e.id!), [e.ph]: [e.tid, e.ts] });
  return trace.traceEvents.map((e) => JSON.stringify(e.ph === 's' || e.ph === 'f' ? { ...e, id: ends.get(e.id!) } : e)).sort();
}

async function assertSame(file: string): Promise<void> {
  const before = inMemory(readFileSync(file, 'utf8'));
  const text = await cliOut(reportCommand, [file]);
  assert.equal(text.out, before.report, `report ${file}`);
  assert.deepEqual(text.err, before.notices.map((n) => `async-lanes: notice: ${n}`), `notices ${file}`);
  const json = await cliOut(reportCommand, [file, '--json']);
  assert.equal(json.out, before.json, `report --json ${file}`);
  const exported = await cliOut(exportCommand, [file, '-o', '-']);
  const after = JSON.parse(exported.out) as ChromeTrace;
  assert.equal(after.displayTimeUnit, 'ns');
  assert.deepEqual(events(after), events(before.chrome), `export ${file}`);
}

/** The stream with other settings (a small window, early final tasks) against the index, in process. */
function assertSameStream(text: string, options: StreamOptions, name: string): void {
  const index = new TraceIndex(parseTrace(text));
  const stream = new TraceStream({}, options);
  const parser = new TraceParser(stream.makeData);
  for (let i = 0; i < text.length; i += 65536) parser.push(text.slice(i, i + 65536));
  parser.end();
  const view = stream.finish();
  assert.equal(view.lateRecords, 0, name);
  assert.equal(renderReport(view, findFindings(view)), renderReport(index, findFindings(index)), name);
  assert.deepEqual(view.tasks.map((t) => taskEntry(view, t)), index.tasks.map((t) => taskEntry(index, t)), name);
}

function generate(name: string, mb: number, seed: number): string {
  const out = join(TMP, name);
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'gen-trace.mjs'), out, String(mb), String(seed)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

test('streaming readers equal the in-memory ones on the fixtures', async () => {
  for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.lanes'))) await assertSame(join(FIXTURES, name));
});

test('streaming readers equal the in-memory ones on recorded Python and Node examples', async (t) => {
  const python = spawnSync('python3', ['--version']).status === 0;
  const programs = [
    ...(python ? ['queue_workers.py', 'gather_sleeps.py', 'timeouts.py', 'executor.py', 'wait_shield.py', 'pending_at_exit.py', 'eager_tasks.py'] : []),
    'sequential.js', 'gather_timers.js', 'unhandled_rejection.js',
  ];
  if (!python) t.diagnostic('python3 not found: Node examples only');
  for (const prog of programs) {
    const out = join(TMP, `${prog}.lanes`);
    const r = prog.endsWith('.py')
      ? spawnSync('python3', ['-m', 'async_lanes', 'run', '--block-threshold', '10000', '-o', out, join(ROOT, 'examples', 'python', prog)], {
          env: { ...process.env, PYTHONPATH: join(ROOT, 'src', 'recorders', 'python') }, encoding: 'utf8', timeout: 60_000,
        })
      : spawnSync(process.execPath, [join(ROOT, 'bin', 'async-lanes.js'), 'record', '-o', out, '--', 'node', join(ROOT, 'examples', 'node', prog)], {
          encoding: 'utf8', timeout: 60_000,
        });
    assert.ok(existsSync(out), `${prog}: no trace (${r.stderr})`);
    await assertSame(out);
  }
});

test('streaming readers equal the in-memory ones on a generated trace (chunks out of time order, many tasks)', async () => {
  const file = generate('gen-3mb.lanes', 3, 7);
  await assertSame(file);
  const text = readFileSync(file, 'utf8');
  // A window just over the writers' reordering, and tasks made final soon after their end.
  assertSameStream(text, { window: 12_000, endedKept: 16 }, 'small window, early final');
  assertSameStream(text, { keepTallies: true, endedKept: 0 }, 'final at once');
  // Eight chunks at a time in reverse order (each starts with its clock record, so every record keeps its time):
  // eight runs in time order interleaved, more than the window follows as FIFOs, so the heap sorts the rest.
  const first = text.indexOf('["clock"');
  const chunks = text.slice(first).split(/(?=^\["clock")/m);
  const reordered: string[] = [];
  for (let i = 0; i < chunks.length; i += 8) reordered.push(...chunks.slice(i, i + 8).reverse());
  assert.ok(chunks.length > 16);
  assertSameStream(text.slice(0, first) + reordered.join(''), {}, 'eight writers interleaved');
});

test('a step later than the window is counted and named, not lost', () => {
  const text = readFileSync(join(FIXTURES, 'gather.lanes'), 'utf8');
  const lines = text.trimEnd().split('\n');
  // The trace's records reversed (each with its absolute time): every record comes late for a window of 1.
  const records = parseTrace(text);
  assert.ok(records.steps.length > 2);
  const stream = new TraceStream({}, { window: 1 });
  const parser = new TraceParser(stream.makeData);
  parser.push([lines[0], ...lines.slice(1).reverse()].join('\n') + '\n');
  parser.end();
  const view = stream.finish();
  assert.ok(view.lateRecords > 0);
  assert.match(view.meta.notices.join('\n'), /steps? came more than 1 records after a later step of their task/);
});

// (The reader before streaming needed ~12 bytes of memory per byte of trace: ~700 MB for this one.)
test('a large trace with many tasks and futures is reported and exported in a 200 MB heap', { timeout: 20 * 60_000 }, () => {
  const file = generate('gen-60mb.lanes', 60, 3);
  assert.ok(statSync(file).size > 55e6);
  const bin = join(ROOT, 'bin', 'async-lanes.js');
  const json = join(TMP, 'gen-report.json');
  for (const args of [['report', file, '--json'], ['export', file, '-o', join(TMP, 'gen.json')]]) {
    const fd = openSync(args[0] === 'report' ? json : join(TMP, 'export-stdout.txt'), 'w');
    const r = spawnSync(process.execPath, ['--max-old-space-size=200', bin, ...args], { encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    assert.equal(r.status, 0, `${args[0]}: ${r.stderr.slice(-2000)}`);
  }
  // The report: every task and future listed (the generator's server keeps ~1000 handlers alive, each awaiting
  // futures made on the spot), and it ends with its meta.
  const size = statSync(json).size;
  assert.ok(size > 100e6, `report of ${size} bytes`);
  const tail = Buffer.alloc(4096);
  const fd = openSync(json, 'r');
  readSync(fd, tail, 0, tail.length, size - tail.length);
  closeSync(fd);
  assert.match(tail.toString('utf8'), /"meta":\{"runtime":"python".*"exit":\{"how":"signal","detail":"SIGINT"\}/);
  assert.ok(statSync(join(TMP, 'gen.json')).size > size);
  rmSync(file, { force: true });
});
