// Overhead of the Python asyncio recorder (src/recorders/python/async_lanes).
//
//   node bench/python-overhead.mjs [--runs N] [--python PATH] [--no-versions] [--quick] [--only step-heavy,short,...]
//
// Measures, in one run, traced/untraced wall-time ratios (runs interleaved, medians; with the lowest and highest
// ratio of an interleaved pair, to show how much a figure moves on a shared machine; and the ratio of the CPU time
// medians of the program's process, which a loaded machine moves less) for
//   (a) a step-heavy program (bench/programs/step_heavy.py: every await is a step),
//   (b) a service-shaped one (bench/programs/service_chain.py: many short tasks, 5-20 awaits each through call
//       chains 3-8 coroutines deep, a semaphore),
//   (c) many short tasks (bench/programs/short_tasks.py: per task a creation, two steps, an end, a done
//       callback: the per-task cost),
//   (d) an I/O-bound program (bench/programs/io_echo.py: TCP echo on 127.0.0.1), and the same on uvloop where the
//       interpreter has it (traced uvloop against plain uvloop),
// in both recorder modes: `native` (its C accelerator, ASYNC_LANES_NATIVE=1; built first if needed, skipped
// with the reason when it cannot be built) and `pure` (Python only, ASYNC_LANES_NATIVE=0),
// and the trace size in bytes per event (resumes + suspends + creations + ends + future
// creations/resolutions + callbacks; a step record counts as two events, three when it also
// says that it created the future it awaits, or that its task ended: its 7th element).
// Targets: <= 1.3x step-heavy and service-shaped, <= 1.5x short tasks, <= 1.05x I/O-bound (uvloop too),
// <= 20 bytes/event.
// Unless --no-versions, it also prints the ratios for every CPython it finds (fewer runs): 3.9-3.13 under pyenv,
// 3.14 and 3.15 from scripts/setup-pythons.sh, and Debian's /usr/bin/python3 (with uvloop). Exit code 0 always (it
// reports, it does not judge), unless a program fails.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const recDir = join(root, 'src', 'recorders', 'python');
const programs = join(here, 'programs');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const quick = args.includes('--quick');
const runs = Number(opt('--runs', quick ? 3 : 7));
const python = opt('--python', 'python3');
const allVersions = !args.includes('--no-versions');
const only = opt('--only', null)?.split(','); // (labels of the programs to measure: step-heavy, service, short, I/O-bound, uvloop I/O)
const wanted = (label) => !only || only.includes(label.trim());

const work = mkdtempSync(join(tmpdir(), 'al-bench-'));
const trace = join(work, 'bench.lanes');
const cpuFile = join(work, 'cpu.txt');
const timeCmd = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
// Both plain and traced runs use compiled bytecode (cached in a temporary prefix, so that
// nothing is written into the source tree), so that compiling is not measured.
const baseEnv = { ...process.env, PYTHONPYCACHEPREFIX: join(work, 'pycache') };
delete baseEnv.PYTHONDONTWRITEBYTECODE;

// traced: false (plain), 'native' or 'pure'
function run(py, traced, prog, progArgs) {
  const env = { ...baseEnv };
  let argv;
  if (traced) {
    env.ASYNC_LANES_NATIVE = traced === 'native' ? '1' : '0';
    env.ASYNC_LANES_RESTORE_ENV = JSON.stringify({ PYTHONPATH: env.PYTHONPATH ?? null });
    env.PYTHONPATH = env.PYTHONPATH ? `${recDir}:${env.PYTHONPATH}` : recDir;
    argv = ['-m', 'async_lanes', 'run', '-o', trace, prog, ...progArgs];
  } else {
    argv = [prog, ...progArgs];
  }
  const t0 = process.hrtime.bigint();
  // (under /usr/bin/time when there is one: the CPU time, user + system, of the program's process and its waited
  // children, without the writer, which detaches; on a loaded machine it moves much less than the wall time)
  const r = timeCmd ? spawnSync(timeCmd, ['-f', '%U %S', '-o', cpuFile, py, ...argv], { env, encoding: 'utf8' })
    : spawnSync(py, argv, { env, encoding: 'utf8' });
  const t1 = process.hrtime.bigint();
  if (r.status !== 0) {
    throw new Error(`${py} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  const cpu = timeCmd ? readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').reduce((a, x) => a + Number(x), 0) : NaN;
  return { wall: Number(t1 - t0) / 1e9, cpu };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Plain and traced runs (one per mode) interleaved: {plain, <mode>: {traced, ratio, lo, hi, cpu}} of medians (wall
 * time; cpu: the ratio of the CPU time medians). */
function measure(py, prog, progArgs, n, modes) {
  const plain = [];
  const traced = Object.fromEntries(modes.map((m) => [m, []]));
  run(py, false, prog, progArgs); // warm the file cache / .pyc
  for (const m of modes) run(py, m, prog, progArgs);
  for (let i = 0; i < n; i++) {
    plain.push(run(py, false, prog, progArgs));
    for (const m of modes) traced[m].push(run(py, m, prog, progArgs));
  }
  const wall = (xs) => xs.map((x) => x.wall);
  const cpu = (xs) => median(xs.map((x) => x.cpu));
  const out = { plain: median(wall(plain)) };
  for (const m of modes) {
    // the spread of the ratio over the interleaved pairs: how much one figure moves on this machine
    const pairs = traced[m].map((t, i) => t.wall / plain[i].wall);
    out[m] = {
      traced: median(wall(traced[m])), ratio: median(wall(traced[m])) / out.plain, lo: Math.min(...pairs),
      hi: Math.max(...pairs), cpu: cpu(traced[m]) / cpu(plain),
    };
  }
  return out;
}

/** The modes to measure with `py`: native only when its accelerator loads (built now if needed). */
function modesFor(py) {
  const env = { ...baseEnv, ASYNC_LANES_NATIVE: '1', PYTHONPATH: recDir };
  const r = spawnSync(py, ['-c', 'from async_lanes import _native; _native.load()'], { env, encoding: 'utf8' });
  if (r.status === 0) return { modes: ['native', 'pure'], why: null };
  const why = (r.stderr.trim().split('\n').pop() ?? '').slice(0, 300);
  return { modes: ['pure'], why };
}

function traceStats() {
  const text = readFileSync(trace, 'utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = JSON.parse(lines[0]);
  if (header.format !== 'async-lanes') throw new Error('not an async-lanes trace');
  let events = 0;
  const kinds = {};
  for (const l of lines.slice(1)) {
    const r = JSON.parse(l);
    kinds[r[0]] = (kinds[r[0]] ?? 0) + 1;
    switch (r[0]) {
      case 'step': events += r.length > 6 && typeof r[6] === 'string' ? 3 : 2; break; // (+ the future it created, or its task's end)
      case 'task': case 'end': case 'fut': case 'set': case 'cb': events += 1; break;
      default: break;
    }
  }
  const bytes = statSync(trace).size;
  return { bytes, events, perEvent: bytes / events, kinds };
}

const stepArgs = quick ? ['1000', '50'] : ['4000', '100'];
const ioArgs = quick ? ['10', '500'] : ['10', '2000'];
const chainArgs = quick ? ['2000'] : ['10000'];
const shortArgs = quick ? ['40000'] : ['200000'];
const stepProg = join(programs, 'step_heavy.py');
const chainProg = join(programs, 'service_chain.py');
const ioProg = join(programs, 'io_echo.py');
const shortProg = join(programs, 'short_tasks.py');
const hasUvloop = (py) => spawnSync(py, ['-c', 'import uvloop'], { env: baseEnv }).status === 0;

function versionOf(py) {
  return execFileSync(py, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' }).trim();
}

const fmt = (x) => x.toFixed(3);
const spread = (q) => `${q.lo.toFixed(2)}-${q.hi.toFixed(2)}`;
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`Python recorder overhead (${runs} interleaved runs each, medians; load average before: ${load()})`);
const v = versionOf(python);
const { modes, why } = modesFor(python);
console.log(`\n${python} (${v}): C accelerator ${why ? `no (${why})` : 'yes'}`);
for (const [label, prog, progArgs, target] of [
  ['step-heavy', stepProg, stepArgs, '1.30'],
  ['service   ', chainProg, chainArgs, '1.30'],
  ['short     ', shortProg, shortArgs, '1.50'],
  ['I/O-bound ', ioProg, ioArgs, '1.05'],
  ...(hasUvloop(python) ? [['uvloop I/O', ioProg, [...ioArgs, 'uvloop'], '1.05']] : []),
]) {
  if (!wanted(label)) continue;
  const r = measure(python, prog, progArgs, runs, modes);
  console.log(`  ${label}  ${progArgs.join('x')}: plain ${fmt(r.plain)}s  (target <= ${target}x)`);
  for (const m of modes) {
    run(python, m, prog, progArgs);
    const st = traceStats();
    console.log(
      `    ${m.padEnd(6)} traced ${fmt(r[m].traced)}s ratio ${r[m].ratio.toFixed(2)}x (pairs ${spread(r[m])}, CPU ${r[m].cpu.toFixed(2)}x)   trace ${st.bytes} bytes, ${st.events} events, ` +
        `${st.perEvent.toFixed(1)} bytes/event (target <= 20)`,
    );
  }
}
console.log(`  (load average after: ${load()})`);

/** Every CPython to compare: 3.9-3.13 under pyenv, 3.14/3.15 (scripts/setup-pythons.sh), Debian's own python3. */
function interpreters() {
  const out = [];
  try {
    const root = execFileSync('pyenv', ['root'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    for (const ver of existsSync(join(root, 'versions')) ? readdirSync(join(root, 'versions')) : []) {
      const m = /^3\.(\d+)\./.exec(ver);
      const py = join(root, 'versions', ver, 'bin', 'python3');
      if (m && Number(m[1]) >= 9 && existsSync(py)) out.push(py);
    }
  } catch {
    // no pyenv
  }
  const setup = spawnSync('bash', [join(root, 'scripts', 'setup-pythons.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (setup.status === 0) for (const v of ['3.14', '3.15']) out.push(join(setup.stdout.trim(), `python${v}`));
  if (existsSync('/usr/bin/python3')) out.push('/usr/bin/python3');
  return out.map((py) => ({ py, v: versionOf(py) })).sort((a, b) => a.v.localeCompare(b.v, undefined, { numeric: true }));
}

if (allVersions) {
  const n = Math.max(3, Math.min(5, runs));
  console.log(`\nPer interpreter (${n} runs each; step-heavy ${stepArgs.join('x')}, service ${chainArgs[0]} tasks, short ${quick ? shortArgs[0] : 50000} tasks):`);
  for (const { py, v: ver } of interpreters()) {
    const vm = modesFor(py).modes;
    const per = (q) => vm.map((m) => `${m} ${q[m].ratio.toFixed(2)}x (${spread(q[m])}; CPU ${q[m].cpu.toFixed(2)}x)`).join(', ');
    const ioV = quick ? ioArgs : ['10', '1000'];
    const rows = [
      ['step-heavy', stepProg, stepArgs],
      ['service', chainProg, chainArgs],
      ['short', shortProg, quick ? shortArgs : ['50000']],
      ['I/O-bound', ioProg, ioV],
      ...(hasUvloop(py) ? [['uvloop I/O', ioProg, [...ioV, 'uvloop']]] : []),
    ]
      .filter(([label]) => wanted(label))
      .map(([label, prog, progArgs]) => [label, measure(py, prog, progArgs, n, vm)]);
    console.log(`  ${ver.padEnd(8)} ${py}`);
    for (const [label, q] of rows) console.log(`    ${label.padEnd(11)} plain ${fmt(q.plain)}s  ${per(q)}`);
  }
}
rmSync(work, { recursive: true, force: true });
