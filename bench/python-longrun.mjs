// The Python recorder's memory over a long recording (issue: "flat over an hour of steady load").
//
//   node bench/python-longrun.mjs [--minutes N] [--every SECONDS] [--python PATH] [--mode native|pure] [--batch N]
//
// Runs bench/programs/steady_load.py (a service under steady load: a batch of short request tasks every 10 ms,
// workers, a queue, futures, timeouts) plain and recorded side by side for N minutes (default 60), and samples the
// resident memory (VmRSS) of the plain program, the recorded program and the recorder's writer process. It prints a
// row per sample and, at the end, the growth of each over the second half of the run (after start-up and caches
// have settled), in MB per hour: flat means the recorder keeps nothing per task or per step for good. The trace is
// deleted at the end. Exit code 0 always (it reports, it does not judge), unless a program fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const recDir = join(resolve(here, '..'), 'src', 'recorders', 'python');
const prog = join(here, 'programs', 'steady_load.py');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const minutes = Number(opt('--minutes', 60));
const every = Number(opt('--every', minutes >= 10 ? 60 : 10));
const python = opt('--python', 'python3');
const mode = opt('--mode', 'native');
const batch = opt('--batch', '6');
const seconds = String(minutes * 60);

const work = mkdtempSync(join(tmpdir(), 'al-longrun-'));
const trace = join(work, 'longrun.lanes');
const env = { ...process.env, PYTHONPYCACHEPREFIX: join(work, 'pycache') };

const plain = spawn(python, [prog, seconds, batch], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const recEnv = {
  ...env,
  ASYNC_LANES_NATIVE: mode === 'native' ? '1' : '0',
  ASYNC_LANES_RESTORE_ENV: JSON.stringify({ PYTHONPATH: env.PYTHONPATH ?? null }),
  PYTHONPATH: env.PYTHONPATH ? `${recDir}:${env.PYTHONPATH}` : recDir,
};
const recorded = spawn(python, ['-m', 'async_lanes', 'run', '-o', trace, prog, seconds, batch], {
  env: recEnv,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const exited = (p) => new Promise((res) => p.on('exit', (code) => res(code)));
const outOf = (p) => {
  let s = '';
  p.stdout.on('data', (d) => (s += d));
  return () => s.trim();
};
const plainOut = outOf(plain);
const recordedOut = outOf(recorded);

/** VmRSS of a process in MB, or null once it is gone. */
function rss(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** The writer: the recorder forks it (then detaches it), so it is the other process whose command line names the
 * trace. */
function writerPid() {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === recorded.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(trace)) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const mb = (x) => (x === null ? '-' : x.toFixed(1));
console.log(`Recorder memory over ${minutes} min of steady load (${python}, ${mode}, batch ${batch}; load before: ${load()})`);
console.log('minute   plain MB   recorded MB   writer MB   trace MB');
const samples = [];
let writer = null;
const t0 = Date.now();
const timer = setInterval(() => {
  writer ??= writerPid();
  const s = { min: (Date.now() - t0) / 60000, plain: rss(plain.pid), recorded: rss(recorded.pid), writer: writer && rss(writer) };
  let size = 0;
  try {
    size = statSync(trace).size / 1e6;
  } catch {
    // not there yet
  }
  if (s.recorded === null) return;
  samples.push(s);
  console.log(`${s.min.toFixed(1).padStart(6)}   ${mb(s.plain).padStart(8)}   ${mb(s.recorded).padStart(11)}   ${mb(s.writer).padStart(9)}   ${size.toFixed(0).padStart(8)}`);
}, every * 1000);

const [pc, rc] = await Promise.all([exited(plain), exited(recorded)]);
clearInterval(timer);
if (pc !== 0 || rc !== 0) {
  console.error(`a program failed: plain exit ${pc}, recorded exit ${rc}`);
  process.exitCode = 1;
}
console.log(`plain: ${plainOut()}; recorded: ${recordedOut()}`);

/** Growth over the second half in MB per hour: the least-squares slope of the samples taken after half time. */
function growth(key) {
  const pts = samples.filter((s) => s.min >= minutes / 2 && s[key] !== null);
  if (pts.length < 2) return null;
  const n = pts.length;
  const mx = pts.reduce((a, s) => a + s.min, 0) / n;
  const my = pts.reduce((a, s) => a + s[key], 0) / n;
  const sxy = pts.reduce((a, s) => a + (s.min - mx) * (s[key] - my), 0);
  const sxx = pts.reduce((a, s) => a + (s.min - mx) ** 2, 0);
  return (sxy / sxx) * 60;
}
const last = samples.at(-1);
for (const key of ['plain', 'recorded', 'writer']) {
  const g = growth(key);
  const peak = Math.max(...samples.map((s) => s[key] ?? 0));
  console.log(`${key.padEnd(8)}: last ${mb(last?.[key] ?? null)} MB, peak ${mb(peak)} MB, second-half growth ${g === null ? '-' : g.toFixed(1)} MB/hour`);
}
console.log(`trace: ${(statSync(trace).size / 1e6).toFixed(0)} MB; load after: ${load()}`);
rmSync(work, { recursive: true, force: true });
