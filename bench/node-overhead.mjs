// `npm run bench:node`: the Node recorder's overhead, traced/untraced in the same run (interleaved, medians).
// - await-heavy: 100k awaits (bench/programs/node/await_heavy.js), the workload's own time and the whole process;
// - http server under load on 127.0.0.1 (autocannon, 10 connections), requests per second.
// Trace size per record is printed too. Targets: ≤ 3× (await-heavy workload), ≤ 1.2× (server).
// BENCH_NODE=/path/to/node runs the programs on another Node (e.g. one installed by scripts/setup-node-versions.sh).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROGRAMS = join(ROOT, 'bench', 'programs', 'node');
const { nodeRecordCommand } = await import(join(ROOT, 'out', 'src', 'recorders', 'node', 'command.js'));
const dir = mkdtempSync(join(tmpdir(), 'async-lanes-bench-node-'));
const RUNS = Number(process.env.RUNS) || 7;
const NODE = process.env.BENCH_NODE || process.execPath;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function launch(traced, name) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  if (!traced) return { command: NODE, env };
  const l = nodeRecordCommand([NODE], { output: join(dir, `${name}.lanes`) });
  rmSync(l.env.ASYNC_LANES_OUT, { force: true });
  return { command: NODE, env: { ...env, ...l.env } };
}

function awaitHeavy(traced) {
  const { command, env } = launch(traced, 'await_heavy');
  const t0 = performance.now();
  const r = spawnSync(command, [join(PROGRAMS, 'await_heavy.js')], { env, encoding: 'utf8' });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`await_heavy failed: ${r.stderr}`);
  return { work: JSON.parse(r.stdout).ms, wall };
}

async function server(traced) {
  const { command, env } = launch(traced, 'http_server');
  const child = spawn(command, [join(PROGRAMS, 'http_server.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d)).port));
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const result = await autocannon({ url: `http://127.0.0.1:${port}/item`, connections: 10, duration: Number(process.env.SECONDS) || 4 });
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return result.requests.average;
}

function records(file) {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).length - 1;
}

const heavy = { plain: [], traced: [] };
for (let i = 0; i < RUNS; i++) {
  heavy.plain.push(awaitHeavy(false));
  heavy.traced.push(awaitHeavy(true));
}
const trace = join(dir, 'await_heavy.lanes');
const size = statSync(trace).size;
const n = records(trace);
const pw = median(heavy.plain.map((r) => r.work));
const tw = median(heavy.traced.map((r) => r.work));
const pa = median(heavy.plain.map((r) => r.wall));
const ta = median(heavy.traced.map((r) => r.wall));
const version = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`node ${version}, ${RUNS} interleaved runs each, medians; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`await-heavy (100k awaits) workload: ${pw.toFixed(1)} ms → ${tw.toFixed(1)} ms traced = ${(tw / pw).toFixed(2)}× (target ≤ 3×)`);
console.log(`await-heavy whole process:          ${pa.toFixed(0)} ms → ${ta.toFixed(0)} ms traced = ${(ta / pa).toFixed(2)}×`);
console.log(`await-heavy trace: ${n} records, ${(size / n).toFixed(1)} bytes per record`);

const srv = { plain: [], traced: [] };
for (let i = 0; i < Math.min(3, RUNS); i++) {
  srv.plain.push(await server(false));
  srv.traced.push(await server(true));
}
const sp = median(srv.plain);
const st = median(srv.traced);
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`http server (autocannon, 10 connections): ${sp.toFixed(0)} req/s → ${st.toFixed(0)} req/s traced = ${(sp / st).toFixed(2)}× slower (target ≤ 1.2×)`);
rmSync(dir, { recursive: true, force: true });
