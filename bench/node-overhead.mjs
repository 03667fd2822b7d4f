// `npm run bench:node`: the Node recorder's overhead, traced/untraced in the same run (interleaved, medians).
// - await-heavy: 100k awaits (bench/programs/node/await_heavy.js). Cold: one run per process, as a short script
//   runs: the workload's own time, and the whole process (start-up, instrumenting, the writer thread, exit).
//   Warm: WARM_RUNS runs in one process, the median of all but the first (the steady state of a long program).
// - http server under load on 127.0.0.1 (autocannon, 10 connections, after a 1 s warm-up), requests per second.
// Trace size per record is printed too, and what the clock alone costs (two performance.now() reads per step: the
// floor for a recorder that times every step exactly, whatever else it does). Targets: ≤ 3× (await-heavy workload), ≤ 1.2× (server). The load average
// is printed with each figure: on a shared machine the ratios move with it.
// Runs on this Node and on each one scripts/setup-node-versions.sh installs (22, 24, 26), one after the other.
// Environment: BENCH_NODE=/path/to/node runs the programs on that Node only; RUNS (await-heavy processes, default
// 9), SERVER_RUNS (default 5), SECONDS (per server measurement, default 5).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROGRAMS = join(ROOT, 'bench', 'programs', 'node');
const { launchCommand } = await import(join(ROOT, 'out', 'src', 'launch', 'launch.js'));
const dir = mkdtempSync(join(tmpdir(), 'async-lanes-bench-node-'));
const RUNS = Number(process.env.RUNS) || 9;
const WARM_RUNS = 6;
const SERVER_RUNS = Number(process.env.SERVER_RUNS) || 5;
const SECONDS = Number(process.env.SECONDS) || 5;
const NODES = process.env.BENCH_NODE ? [process.env.BENCH_NODE] : [process.execPath, ...installedNodes()];
/** The Node the programs run on now. */
let NODE = NODES[0];
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** The runtimes scripts/setup-node-versions.sh installs (it prints "version path" lines). */
function installedNodes() {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'setup-node-versions.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('scripts/setup-node-versions.sh failed');
  return r.stdout.trim().split('\n').map((l) => l.split(' ')[1]).filter(Boolean);
}
const load = () => `load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;

function launch(traced, name) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  if (!traced) return { command: NODE, env };
  // (the program's arguments are added by the caller: the recorder's environment is what matters here)
  const l = launchCommand([NODE, 'program.js'], { traceFile: join(dir, `${name}.lanes`), blockThresholdMs: null, packageRoot: ROOT, env, cwd: dir });
  rmSync(l.env.ASYNC_LANES_OUT, { force: true });
  return { command: NODE, env: l.env };
}

function awaitHeavy(traced, runs) {
  const { command, env } = launch(traced, 'await_heavy');
  const t0 = performance.now();
  const r = spawnSync(command, [join(PROGRAMS, 'await_heavy.js'), String(runs)], { env, encoding: 'utf8' });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`await_heavy failed: ${r.stderr}`);
  const times = JSON.parse(r.stdout).runs;
  return { cold: times[0], warm: median(times.slice(1)), wall };
}

async function server(traced) {
  const { command, env } = launch(traced, 'http_server');
  const child = spawn(command, [join(PROGRAMS, 'http_server.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d)).port));
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const url = `http://127.0.0.1:${port}/item`;
  await autocannon({ url, connections: 10, duration: 1 });
  const result = await autocannon({ url, connections: 10, duration: SECONDS });
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return result.requests.average;
}

function records(file) {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return { n: lines.length - 1, steps: lines.filter((l) => l.startsWith('["step"')).length };
}

/** ns per performance.now() on this Node: the recorder reads the clock at both ends of every step. */
function clockNs() {
  const src = 'const p=performance;let s=0;const N=3e6;for(let k=0;k<3;k++){const t=p.now();for(let i=0;i<N;i++)s+=p.now();if(k===2)console.log((p.now()-t)*1e6/N)}';
  return Number(spawnSync(NODE, ['-e', src], { encoding: 'utf8' }).stdout);
}

const ratio = (what, plain, traced, unit, digits) =>
  console.log(`${what}: ${plain.toFixed(digits)} ${unit} → ${traced.toFixed(digits)} ${unit} traced = ${(traced / plain).toFixed(2)}×`);

async function benchOne() {
  const version = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`node ${version}; interleaved runs, medians`);

  const cold = { plain: [], traced: [] };
  for (let i = 0; i < RUNS; i++) {
    cold.plain.push(awaitHeavy(false, 1));
    cold.traced.push(awaitHeavy(true, 1));
  }
  const trace = join(dir, 'await_heavy.lanes');
  const size = statSync(trace).size;
  const { n, steps } = records(trace);
  console.log(`await-heavy (100k awaits), ${RUNS} processes each, ${load()}`);
  ratio('  cold workload (target ≤ 3×)', median(cold.plain.map((r) => r.cold)), median(cold.traced.map((r) => r.cold)), 'ms', 1);
  ratio('  whole process              ', median(cold.plain.map((r) => r.wall)), median(cold.traced.map((r) => r.wall)), 'ms', 0);
  console.log(`  trace: ${n} records, ${(size / n).toFixed(1)} bytes per record`);
  const clock = clockNs();
  const floor = (2 * steps * clock) / 1e6;

  const warm = { plain: [], traced: [] };
  for (let i = 0; i < Math.max(3, RUNS >> 1); i++) {
    warm.plain.push(awaitHeavy(false, WARM_RUNS));
    warm.traced.push(awaitHeavy(true, WARM_RUNS));
  }
  console.log(`await-heavy warm (runs 2–${WARM_RUNS} in one process), ${warm.plain.length} processes each, ${load()}`);
  const warmPlain = median(warm.plain.map((r) => r.warm));
  ratio('  warm workload              ', warmPlain, median(warm.traced.map((r) => r.warm)), 'ms', 1);
  console.log(`  clock alone: 2 reads × ${steps} steps × ${clock.toFixed(1)} ns (performance.now) = ${floor.toFixed(1)} ms = ${(1 + floor / warmPlain).toFixed(2)}× the warm untraced workload`);

  const srv = { plain: [], traced: [] };
  for (let i = 0; i < SERVER_RUNS; i++) {
    srv.plain.push(await server(false));
    srv.traced.push(await server(true));
  }
  const sp = median(srv.plain);
  const st = median(srv.traced);
  console.log(`http server (autocannon, 10 connections, ${SECONDS} s after 1 s warm-up), ${SERVER_RUNS} runs each, ${load()}`);
  console.log(`  ${sp.toFixed(0)} req/s → ${st.toFixed(0)} req/s traced = ${(sp / st).toFixed(2)}× slower (target ≤ 1.2×)`);
  console.log(`  untraced runs: ${srv.plain.map((x) => x.toFixed(0)).join(' ')}; traced: ${srv.traced.map((x) => x.toFixed(0)).join(' ')}`);
}

for (const node of NODES) {
  NODE = node;
  await benchOne();
}
rmSync(dir, { recursive: true, force: true });
