// `npm run bench:viewer`: the timeline at scale, in headless Chromium, side by side with speedscope.
//   1. writes a synthetic trace of 1,000,000 records (5,000 tasks in 50 groups, each step awaiting a timer);
//   2. exports it to Chrome Trace Event JSON with `async-lanes export` (what other viewers read);
//   3. for Async Lanes served (`async-lanes view`), Async Lanes offline (the `view --html` file, opened from file://)
//      and speedscope (the devDependency's release build, loading the Chrome export): time from navigation to the
//      first complete frame with the trace and the CPU time of the page's main thread until then (Linux), the
//      interval between animation frames while zooming and panning continuously for a few seconds (p50 / p95 / max)
//      and the main thread's CPU time per frame meanwhile, and the page's JS heap after loading; then the load average, which stretches the wall times.
// BENCH_VIEWERS=view,html,speedscope picks the viewers; BENCH_RUNS=N measures each N times, interleaved (medians
// printed); BENCH_PROFILE=DIR writes a CPU profile of each Async Lanes load (Chrome DevTools' .cpuprofile) there.
// A benchmark, not a test: it prints figures and exits 0 unless something breaks.

import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const { startViewServer } = require(join(ROOT, 'out/src/viewer/server.js'));
const { loadAssets } = require(join(ROOT, 'out/src/page/page.js'));

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const GROUPS = 50;
const PER_GROUP = 100;
const INTERACT_MS = 4000;
const VIEWERS = (process.env.BENCH_VIEWERS ?? 'view,html,speedscope').split(',');
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const PROFILE = process.env.BENCH_PROFILE;
const ssPackage = require.resolve('speedscope/package.json');
const SPEEDSCOPE = JSON.parse(readFileSync(ssPackage, 'utf8')).version;
const dir = join(tmpdir(), 'async-lanes-bench-viewer');
mkdirSync(dir, { recursive: true });

/** Tasks step round-robin on one loop: each step awaits a sleep future that a timer resolves before the next. */
async function writeTrace(file) {
  const out = createWriteStream(file);
  let last = 0;
  let n = 0;
  const lines = [];
  const rec = (t, r) => {
    r.splice(1, 0, t - last);
    last = t;
    lines.push(JSON.stringify(r));
    n++;
  };
  const flush = async () => {
    if (!out.write(lines.join('\n') + '\n')) await new Promise((r) => out.once('drain', r));
    lines.length = 0;
  };
  lines.push(JSON.stringify({ format: 'async-lanes', version: 1, runtime: 'python', runtimeVersion: 'bench', argv: ['bench'], cwd: '/bench', start: new Date(0).toISOString(), blockThresholdNs: 100_000_000 }));
  lines.push(JSON.stringify(['site', 1, '/bench/app.py', 10, 'worker']), JSON.stringify(['site', 2, '/bench/app.py', 20, 'main']));
  const tasks = GROUPS * PER_GROUP;
  let t = 1000;
  rec(t, ['task', 1, null, 'main', 'main', 2, 0]);
  rec(t, ['loop', 0, 'start', 0]);
  const ids = [];
  let next = 2;
  for (let g = 0; g < GROUPS; g++) {
    const gid = next++;
    rec((t += 100), ['task', gid, 1, `group-${g}`, 'group', 2, 0]);
    for (let w = 0; w < PER_GROUP; w++) {
      ids.push(next);
      rec((t += 100), ['task', next++, gid, `worker-${g}-${w}`, 'worker', 1, 0]);
    }
  }
  const rounds = Math.max(1, Math.ceil((RECORDS - n) / (tasks * 3)) + 1);
  let fut = 1_000_000;
  const pending = new Array(ids.length).fill(null);
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < ids.length; i++) {
      if (pending[i] !== null) rec((t += 200), ['set', pending[i], 'timer', null, 'result', 'None']);
      const dur = 2000 + Math.floor(rand() * 30000);
      const start = (t += 500);
      const f = fut++;
      rec(start, ['step', ids[i], dur, r + 1 < rounds ? f : null, 1]);
      t += dur;
      if (r + 1 < rounds) {
        rec(t, ['fut', f, 'sleep', ids[i], 1]);
        pending[i] = f;
      } else rec(t, ['end', ids[i], 'ok', `${i}`, null]);
    }
    if (lines.length > 50_000) await flush();
  }
  rec((t += 1000), ['exit', 'exit', 0]);
  await flush();
  await new Promise((r) => out.end(r));
  return { records: n, tasks: tasks + GROUPS + 1 };
}

function median(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Zooms and pans continuously with wheel events on `selector` for INTERACT_MS; returns frame intervals. */
async function interact(page, selector) {
  return page.evaluate(async ({ selector, ms }) => {
    const el = document.querySelector(selector);
    const r = el.getBoundingClientRect();
    const intervals = [];
    let prev = performance.now();
    const until = prev + ms;
    let i = 0;
    await new Promise((done) => {
      const frame = (now) => {
        intervals.push(now - prev);
        prev = now;
        const phase = Math.floor(i / 40) % 3;
        const init = { bubbles: true, cancelable: true, clientX: r.left + r.width * (0.3 + 0.4 * Math.sin(i / 30) ** 2), clientY: r.top + r.height / 3 };
        if (phase === 2) el.dispatchEvent(new WheelEvent('wheel', { ...init, deltaX: 40 * Math.sign(Math.sin(i / 25)) }));
        else el.dispatchEvent(new WheelEvent('wheel', { ...init, deltaY: phase === 0 ? -60 : 60, ctrlKey: selector !== '#lanes' }));
        i++;
        if (now < until) requestAnimationFrame(frame);
        else done();
      };
      requestAnimationFrame(frame);
    });
    return intervals.slice(2);
  }, { selector, ms: INTERACT_MS });
}

async function heapMb(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'JSHeapUsedSize').value / 2 ** 20;
}

const TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU ms used so far by the main thread of each renderer process (on Linux, from /proc: its tid is the pid). On a
 * busy machine wall time stretches with the load; this does much less, and says what a quiet machine would take. */
async function rendererMainCpu(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  await cdp.detach();
  const cpu = new Map();
  for (const p of processInfo.filter((p) => p.type === 'renderer')) {
    try {
      // Chromium's own UI (--top-chrome-webui) keeps a renderer busy beside the page's.
      if (readFileSync(`/proc/${p.id}/cmdline`, 'utf8').includes('--top-chrome-webui')) continue;
      const f = readFileSync(`/proc/${p.id}/task/${p.id}/stat`, 'utf8').split(')').pop().trim().split(' ');
      cpu.set(p.id, ((Number(f[11]) + Number(f[12])) / TICKS_PER_S) * 1000);
    } catch {
      // not Linux, or the process is gone
    }
  }
  return cpu;
}

async function measure(browser, name, url, ready, selector, profile) {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  const cpuBefore = await rendererMainCpu(browser);
  page.on('pageerror', (e) => console.error(`${name}: page error: ${e}`));
  let cdp;
  if (profile) {
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');
  }
  await page.goto(url, { timeout: 180_000, waitUntil: 'commit' });
  await page.waitForFunction(ready, null, { timeout: 180_000, polling: 50 });
  const first = await page.evaluate(ready);
  // The page's renderer is the one whose main thread worked the most meanwhile.
  const [pid, cpuMs] = [...(await rendererMainCpu(browser))].map(([pid, ms]) => [pid, ms - (cpuBefore.get(pid) ?? 0)]).reduce((a, b) => (b[1] > a[1] ? b : a), [0, 0]);
  if (cdp) writeFileSync(profile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
  const detail = await page.evaluate(() => globalThis.__lanes?.stats());
  if (detail) console.log(`${name}: parse ${detail.parseMs.toFixed(0)} ms, index + lanes ${detail.buildMs.toFixed(0)} ms, first frame drawn in ${detail.lastFrameMs.toFixed(1)} ms, at ${(first / 1000).toFixed(2)} s`);
  const heap = await heapMb(page);
  const cpuAt = async () => (await rendererMainCpu(browser)).get(pid) ?? 0;
  const interactFrom = await cpuAt();
  const intervals = await interact(page, selector);
  const frameCpuMs = (await cpuAt() - interactFrom) / intervals.length;
  await page.close();
  return { name, firstFrameMs: first, cpuMs, frameCpuMs, p50: median(intervals, 0.5), p95: median(intervals, 0.95), max: Math.max(...intervals), frames: intervals.length, heap };
}

/** A static server for speedscope's release folder and the exported trace. */
function serveStatic(root, extra) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.woff2': 'font/woff2' };
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = path === '/trace.json' ? extra : join(root, normalize(path === '/' ? '/index.html' : path));
    if (!file.startsWith(root) && file !== extra) return res.writeHead(403).end();
    if (!existsSync(file) || statSync(file).isDirectory()) return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const trace = join(dir, 'bench.lanes');
const json = join(dir, 'bench.json');
const t0 = Date.now();
const { records, tasks } = await writeTrace(trace);
console.log(`trace: ${records.toLocaleString('en')} records, ${tasks.toLocaleString('en')} tasks, ${(statSync(trace).size / 2 ** 20).toFixed(1)} MiB (${Date.now() - t0} ms to write)`);
const exp = spawnSync(process.execPath, [join(ROOT, 'bin/async-lanes.js'), 'export', trace, '-o', json], { encoding: 'utf8' });
if (exp.status !== 0) throw new Error(exp.stderr);
console.log(`chrome export: ${(statSync(json).size / 2 ** 20).toFixed(1)} MiB`);

const html = join(dir, 'bench.html');
const wrote = spawnSync(process.execPath, [join(ROOT, 'bin/async-lanes.js'), 'view', trace, '--html', html], { encoding: 'utf8' });
if (wrote.status !== 0) throw new Error(wrote.stderr);
console.log(`view --html: ${(statSync(html).size / 2 ** 20).toFixed(1)} MiB`);

if (spawnSync('bash', [join(ROOT, 'scripts/setup-browser.sh')], { stdio: ['ignore', 'inherit', 'inherit'] }).status !== 0) throw new Error('no chromium');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const lanesReady = () => globalThis.__lanes?.ready() && globalThis.__lanes.stats().firstFrameAt;
const profileFile = (name, run) => PROFILE && join(PROFILE, `${name}-${run}.cpuprofile`);
if (PROFILE) mkdirSync(PROFILE, { recursive: true });
const viewers = {
  view: async (run) => {
    const lanes = await startViewServer(trace, loadAssets(join(ROOT, 'out/webview')));
    try {
      return await measure(browser, 'Async Lanes, view', lanes.url, lanesReady, '#lanes', profileFile('view', run));
    } finally {
      await lanes.close();
    }
  },
  html: (run) => measure(browser, 'Async Lanes, --html', pathToFileURL(html).href, lanesReady, '#lanes', profileFile('html', run)),
  speedscope: async () => {
    const ss = await serveStatic(join(dirname(ssPackage), 'dist/release'), json);
    try {
      const url = `http://127.0.0.1:${ss.address().port}/index.html#profileURL=${encodeURIComponent('/trace.json')}&title=bench`;
      // speedscope has no hook: its flame chart canvas exists and the title names the profile once drawn.
      return await measure(browser, `speedscope ${SPEEDSCOPE}`, url, () => document.title.includes('bench') && document.querySelector('canvas') !== null && performance.now(), 'canvas');
    } finally {
      ss.close();
    }
  },
};
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const loadBefore = load();
const runs = [];
try {
  for (let run = 0; run < RUNS; run++) for (const v of VIEWERS) runs.push(await viewers[v](run));
} finally {
  await browser.close();
}
const results = [...new Set(runs.map((r) => r.name))].map((name) => {
  const of = runs.filter((r) => r.name === name);
  const mid = (key) => median(of.map((r) => r[key]), 0.5);
  const range = (key) => (of.length > 1 ? ` (${(Math.min(...of.map((r) => r[key])) / 1000).toFixed(2)} – ${(Math.max(...of.map((r) => r[key])) / 1000).toFixed(2)})` : '');
  return { name, firstFrameMs: mid('firstFrameMs'), firstRange: range('firstFrameMs'), cpuMs: mid('cpuMs'), frameCpuMs: mid('frameCpuMs'), p50: mid('p50'), p95: mid('p95'), max: mid('max'), frames: mid('frames'), heap: mid('heap') };
});
const pad = (s, n) => String(s).padEnd(n);
console.log(`\n${pad('viewer', 22)}${pad('first frame', 26)}${pad('main CPU', 10)}${pad('frame p50', 12)}${pad('frame p95', 12)}${pad('max', 10)}${pad('frames', 8)}${pad('CPU/frame', 11)}JS heap`);
for (const r of results) {
  console.log(`${pad(r.name, 22)}${pad(`${(r.firstFrameMs / 1000).toFixed(2)} s${r.firstRange}`, 26)}${pad(`${(r.cpuMs / 1000).toFixed(2)} s`, 10)}${pad(`${r.p50.toFixed(1)} ms`, 12)}${pad(`${r.p95.toFixed(1)} ms`, 12)}${pad(`${r.max.toFixed(0)} ms`, 10)}${pad(r.frames, 8)}${pad(`${r.frameCpuMs.toFixed(1)} ms`, 11)}${r.heap.toFixed(0)} MiB`);
}
console.log(`\nload average (1, 5, 15 min) ${loadBefore} before, ${load()} after, on ${availableParallelism()} cores`);
console.log(`(${RUNS > 1 ? `medians of ${RUNS} interleaved runs; ` : ''}${INTERACT_MS / 1000} s of continuous wheel zoom and pan; first frame = from navigation to the first drawn frame with the trace; main CPU = the page's main thread's CPU time meanwhile; CPU/frame = its CPU time per frame while zooming and panning; the Chrome export makes one speedscope profile per lane)`);
