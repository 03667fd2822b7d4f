// `npm run bench:readers`: the trace readers on large traces. Generates 92 MB, 276 MB and 1 GB traces
// (bench/gen-trace.mjs: what the Python recorder writes for a busy server) into a temporary folder, runs `report`,
// `report --json` (to /dev/null) and `export` (to a temporary file) on each, and prints wall time and peak RSS
// (/usr/bin/time -v, else VmHWM polled from /proc). With a previous commit's reader (BENCH_BEFORE=<rev>, default:
// the commit before the streaming readers), built in a git worktree, the same for comparison; the previous reader
// runs `report` only on the 1 GB trace (it runs out of memory there) and gets BENCH_TIMEOUT_S (default 600) per run.
// BENCH_SIZES=92,276 picks sizes (MB), BENCH_COMMANDS=report the commands, BENCH_BEFORE_COMMANDS=report the previous
// reader's, BENCH_BEFORE= (empty) runs no previous reader. CPU time (user + system) is /usr/bin/time's. Everything
// generated is deleted at the end, but for BENCH_TRACE_DIR=<dir>: the traces are kept there and reused by the next
// run (generating 1 GB takes a while; a size always gives the same trace).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTrace } from './gen-trace.mjs';

const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const sizes = (process.env.BENCH_SIZES ?? '92,276,1000').split(',').map(Number);
const timeoutS = Number(process.env.BENCH_TIMEOUT_S ?? 600);
const onlyCommands = (process.env.BENCH_COMMANDS ?? 'report,report --json,export').split(',');
const beforeCommands = (process.env.BENCH_BEFORE_COMMANDS ?? 'report,report --json,export').split(',');
const tmp = mkdtempSync(join(tmpdir(), 'async-lanes-bench-readers-'));
const hasTime = existsSync('/usr/bin/time');

function before() {
  if (process.env.BENCH_BEFORE === '') return null;
  let rev = process.env.BENCH_BEFORE;
  if (!rev) {
    const r = spawnSync('git', ['log', '--format=%H', '-1', '--grep=^Readers stream the trace'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0 || !r.stdout.trim()) return null;
    rev = `${r.stdout.trim()}^`;
  }
  const dir = join(tmp, 'before');
  const add = spawnSync('git', ['worktree', 'add', '--detach', dir, rev], { cwd: ROOT, encoding: 'utf8' });
  if (add.status !== 0) {
    console.error(`bench:readers: no worktree of ${rev}: ${add.stderr.trim()}`);
    return null;
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: dir, encoding: 'utf8' });
  if (build.status !== 0) {
    console.error(`bench:readers: ${rev} does not build: ${build.stdout.slice(0, 500)}`);
    return null;
  }
  return { rev, bin: join(dir, 'bin', 'async-lanes.js'), dir };
}

/** Runs node BIN ARGS with stdout to `out`; resolves { wall s, cpu s (user + system; NaN without /usr/bin/time), rss MB, code }. */
function measure(bin, args, out) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const argv = hasTime ? ['-v', process.execPath, bin, ...args] : [bin, ...args];
    const child = spawn(hasTime ? '/usr/bin/time' : process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err = (err + d).slice(-20000)));
    let hwm = 0;
    const poll = hasTime
      ? null
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwm = Math.max(hwm, Number(m[1]));
          } catch {
            // ended
          }
        }, 50);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const rss = hasTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(err)?.[1] ?? 0) : hwm;
      const cpu = hasTime ? ['User', 'System'].reduce((sum, k) => sum + Number(new RegExp(`${k} time \\(seconds\\): ([\\d.]+)`).exec(err)?.[1] ?? NaN), 0) : NaN;
      const status = hasTime ? Number(/Exit status: (\d+)/.exec(err)?.[1] ?? code) : code;
      const oom = /heap out of memory/.test(err);
      resolve({ wall, cpu, rss: rss / 1024, code: signal === 'SIGKILL' && wall >= timeoutS ? 'timeout' : oom ? 'OOM' : status });
    });
    void out;
  });
}

const commands = [
  { name: 'report', args: (f) => ['report', f] },
  { name: 'report --json', args: (f) => ['report', f, '--json'] },
  { name: 'export', args: (f) => ['export', f, '-o', join(tmp, 'export.json')] },
];

try {
  const old = before();
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`bench:readers — node ${process.version}, ${hasTime ? '/usr/bin/time -v' : 'VmHWM polling'}; before: ${old ? old.rev : '(none)'}`);
  console.log('| trace | command | before: wall (CPU), peak RSS | after: wall (CPU), peak RSS | load |');
  console.log('|---|---|---|---|---|');
  for (const mb of sizes) {
    const kept = process.env.BENCH_TRACE_DIR;
    const file = join(kept ?? tmp, `gen-${mb}mb.lanes`);
    let label;
    if (kept === undefined || !existsSync(file)) {
      if (kept !== undefined) mkdirSync(kept, { recursive: true });
      const g = generateTrace(`${file}.part`, mb * 1e6, mb);
      renameSync(`${file}.part`, file);
      label = `${(g.bytes / 1e6).toFixed(0)} MB (${(g.steps / 1e6).toFixed(1)}M steps)`;
    } else label = `${(statSync(file).size / 1e6).toFixed(0)} MB (kept)`;
    for (const c of commands.filter((c) => onlyCommands.includes(c.name))) {
      let b = null;
      if (old && (mb < 1000 || c.name === 'report') && beforeCommands.includes(c.name)) b = await measure(old.bin, c.args(file));
      const a = await measure(join(ROOT, 'bin', 'async-lanes.js'), c.args(file));
      const fmt = (m) => (m === null ? '—' : `${m.wall.toFixed(1)} s (${m.cpu.toFixed(1)} s CPU), ${m.rss.toFixed(0)} MB${m.code === 0 ? '' : ` (${m.code === 'OOM' ? 'out of memory' : `exit ${m.code}`})`}`);
      console.log(`| ${label} | ${c.name} | ${fmt(b)} | ${fmt(a)} | ${load()} |`);
      rmSync(join(tmp, 'export.json'), { force: true });
    }
    if (kept === undefined) rmSync(file, { force: true });
  }
  if (old) spawnSync('git', ['worktree', 'remove', '--force', old.dir], { cwd: ROOT });
} finally {
  rmSync(tmp, { recursive: true, force: true });
  spawnSync('git', ['worktree', 'prune'], { cwd: ROOT });
}
