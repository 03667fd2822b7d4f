// Python debug sessions recorded (issue 16), without VS Code: debugpy's own adapter (`python -m debugpy.adapter`, the
// Debug Adapter Protocol that the Python Debugger extension speaks) launches an example with the environment the
// extension adds (src/launch debugLaunchEnv), stops at a breakpoint twice, and the extension's evaluate of the pause
// flush is made at each stop, as src/extension/debug.ts does: the answer names the task at the breakpoint, the trace
// holds the records up to the pause when it comes back, and the tasks' states there are the program's. Then it runs to
// the end: the trace is the program's (its stem, its argv), not debugpy's launcher's. On Debian's python3 (debugpy 1.6)
// and the 3.14 from scripts/setup-pythons.sh (debugpy 1.8); one without debugpy is a skip that says so.

import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { debugLaunchEnv, programStem, recorderPaths } from '../../src/launch/launch.js';
import { TraceIndex } from '../../src/model/index.js';
import { parseTrace } from '../../src/model/parser.js';
import { PAUSE_FLUSH_EXPRESSION, parsePauseAnswer, tasksAt } from '../../src/model/pause-state.js';
import { debianPythonsBin, pyenvRoot } from './lib/pythons.js';

const ROOT = join(__dirname, '..', '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'python', 'gather_sleeps.py');
/** fetch()'s return line, after its sleep (the example's marker comments: fetch-sleep is the line before). */
const BREAK_LINE = readFileSync(EXAMPLE, 'utf8').split('\n').findIndex((l) => l.includes('# await: fetch-sleep')) + 2;

interface Message {
  seq: number;
  type: 'request' | 'response' | 'event';
  command?: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  body?: Record<string, unknown>;
}

/** A Debug Adapter Protocol client over the adapter's stdio. */
class Dap {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, (m: Message) => void>();
  private readonly events: Message[] = [];
  private readonly eventWaiters: { names: string[]; resolve: (m: Message) => void }[] = [];
  readonly stderr: string[] = [];

  constructor(private readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on('data', (d: Buffer) => this.receive(d));
    proc.stderr.on('data', (d: Buffer) => this.stderr.push(String(d)));
  }

  private receive(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      const head = this.buffer.indexOf('\r\n\r\n');
      if (head < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, head).toString())?.[1]);
      if (this.buffer.length < head + 4 + length) return;
      const m = JSON.parse(this.buffer.subarray(head + 4, head + 4 + length).toString()) as Message;
      this.buffer = this.buffer.subarray(head + 4 + length);
      if (m.type === 'response') this.waiting.get(m.request_seq!)?.(m);
      else if (m.type === 'event') {
        const i = this.eventWaiters.findIndex((w) => w.names.includes(m.event!));
        if (i >= 0) this.eventWaiters.splice(i, 1)[0].resolve(m);
        else this.events.push(m);
      }
    }
  }

  /** Sends a request; its response (`wait`: awaited before returning; the launch request answers only later). */
  request(command: string, args: Record<string, unknown> = {}): Promise<Message> {
    const seq = this.seq++;
    const text = JSON.stringify({ seq, type: 'request', command, arguments: args });
    this.proc.stdin.write(`Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to ${command}: ${this.stderr.join('')}`)), 60_000);
      this.waiting.set(seq, (m) => {
        clearTimeout(timer);
        if (m.success) resolve(m);
        else reject(new Error(`${command} failed: ${m.message} ${JSON.stringify(m.body)}`));
      });
    });
  }

  /** The next event of that name, or of any of those names (one already received first). */
  event(name: string | string[], timeoutMs = 60_000): Promise<Message> {
    const names = typeof name === 'string' ? [name] : name;
    const i = this.events.findIndex((m) => names.includes(m.event!));
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${names.join('/')} event: ${this.stderr.join('')}`)), timeoutMs);
      this.eventWaiters.push({ names, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  /** The events of that name received and not waited for. */
  received(name: string): Message[] {
    return this.events.filter((m) => m.event === name);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'lanes-debugpy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The interpreters to run on, each with debugpy or the reason it cannot. */
function interpreters(): { label: string; python: string | null; why?: string }[] {
  const bin = debianPythonsBin();
  const list = [{ label: "Debian's python3 (3.11)", python: '/usr/bin/python3' as string | null, why: undefined as string | undefined }];
  list.push(bin.dir ? { label: 'CPython 3.14 (sid)', python: join(bin.dir, 'python3.14'), why: undefined } : { label: 'CPython 3.14 (sid)', python: null, why: bin.why ?? 'no 3.14' });
  return list.map((p) => {
    if (!p.python) return p;
    const r = spawnSync(p.python, ['-c', 'import debugpy; print(debugpy.__version__)'], { encoding: 'utf8' });
    return r.status === 0 ? { ...p, label: `${p.label}, debugpy ${r.stdout.trim()}` } : { ...p, python: null, why: `${p.python} has no debugpy (apt-get install python3-debugpy)` };
  });
}

/** A debugpy session launching the example recorded to `trace`, with a breakpoint on fetch's return. */
async function launch(python: string, trace: string) {
  const env = debugLaunchEnv({ type: 'debugpy', request: 'launch', program: EXAMPLE }, { traceFile: trace, blockThresholdMs: null, packageRoot: ROOT, env: process.env, cwd: dir });
  const proc = spawn(python, ['-m', 'debugpy.adapter'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  const dap = new Dap(proc);
  await dap.request('initialize', { adapterID: 'debugpy', clientID: 'async-lanes-test', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const launched = dap.request('launch', { program: EXAMPLE, cwd: dir, env, console: 'internalConsole', justMyCode: true, rules: PYTHON_DEBUG_RULES });
  await dap.event('initialized');
  await dap.request('setBreakpoints', { source: { path: EXAMPLE }, breakpoints: [{ line: BREAK_LINE }] });
  await dap.request('configurationDone');
  await launched;

  /** At the next stop: the extension's stack trace and evaluate, then the trace as the extension reads it. */
  const pauseHere = async () => {
    const stopped = await dap.event('stopped');
    const threadId = stopped.body!.threadId as number;
    const frames = (await dap.request('stackTrace', { threadId, startFrame: 0, levels: 1 })).body!.stackFrames as { id: number; line: number }[];
    assert.equal(frames[0].line, BREAK_LINE);
    const answer = String((await dap.request('evaluate', { expression: PAUSE_FLUSH_EXPRESSION.python, frameId: frames[0].id, context: 'repl' })).body!.result);
    const pause = parsePauseAnswer(answer);
    assert.ok(pause, `the flush's answer: ${answer}`);
    const text = readFileSync(pause.file, 'utf8');
    const index = new TraceIndex(parseTrace(text));
    const states = tasksAt(index, pause.t, pause.running);
    const of = (coro: string) => states.filter((s) => index.task(s.id)?.coro === coro).map((s) => `${s.state}${s.site ? `@${s.site.line}` : ''}`).sort();
    return { threadId, pause, text, index, of };
  };
  return { dap, proc, pauseHere };
}

const fetchStates = (file: string) => new TraceIndex(parseTrace(readFileSync(file, 'utf8'))).tasks.filter((t) => t.coro === 'fetch').map((t) => t.state);
const PYTHONS = interpreters();
/** The rules the extension adds to a recorded debugpy configuration (src/extension/debug.ts). */
const PYTHON_DEBUG_RULES = [{ module: 'async_lanes', include: false }, { path: recorderPaths(ROOT).pythonAutostart, include: false }];
const [debian] = PYTHONS;

describe('Python debug sessions under debugpy', () => {
  for (const { label, python, why } of PYTHONS) {
    it(`${label}: two breakpoints, the pause flush at each, the program's trace`, { skip: python === null ? why : false, timeout: 180_000 }, async () => {
      const trace = join(dir, `${programStem(['python', EXAMPLE])}-${label.replace(/\W+/g, '_')}.lanes`);
      const { dap, proc, pauseHere } = await launch(python!, trace);
      try {
        // First stop: fetch("a") after its 0.1 s sleep; b and c still asleep on line 12, main on the gather.
        let at = await pauseHere();
        assert.equal(at.pause.file, trace);
        assert.equal(at.pause.running.length, 1, 'one task in a step: the one at the breakpoint');
        assert.equal(at.index.task(at.pause.running[0].id)?.coro, 'fetch');
        // b and c asleep on line 12, or b woken already when the loop came late to a's wake (a loaded machine under
        // the debugger's tracing: both sleeps were due in one iteration).
        const [running, ...others] = at.of('fetch');
        assert.equal(running, 'running');
        for (const o of others) assert.match(o, new RegExp(`^(waiting|scheduled)@${BREAK_LINE - 1}$`));
        assert.equal(others.length, 2);
        assert.deepEqual(at.of('main'), ['waiting@18']);
        // The recorder's thread is not the debugger's to show or stop (it would hold the lock the flush takes).
        const threads = (await dap.request('threads')).body!.threads as { name: string }[];
        assert.deepEqual(threads.map((t) => t.name), ['MainThread']);
        const first = at.pause.t;
        await new Promise((r) => setTimeout(r, 300)); // as long as a person looks at the pause (past the threshold)
        await dap.request('continue', { threadId: at.threadId });

        // Second stop: b at the breakpoint, a finished, c asleep on line 12, or woken already when the first pause
        // outlasted its 0.3 s (the loop resolved both sleeps in one iteration, then ran b's step).
        at = await pauseHere();
        assert.ok(at.pause.t > first);
        const [done, again, c] = at.of('fetch');
        assert.deepEqual([done, again], ['finished', 'running']);
        assert.match(c, new RegExp(`^(waiting|scheduled)@${BREAK_LINE - 1}$`));
        await dap.request('setBreakpoints', { source: { path: EXAMPLE }, breakpoints: [] });
        await dap.request('continue', { threadId: at.threadId });
        await dap.event('terminated');

        const text = readFileSync(trace, 'utf8');
        const index = new TraceIndex(parseTrace(text));
        assert.deepEqual(index.meta.header.argv, [EXAMPLE], "the program's argv, not debugpy's");
        assert.match(text, /\["exit",/);
        assert.deepEqual(fetchStates(trace), ['ok', 'ok', 'ok']);
        // The first stop outlasted the 100 ms threshold: its step is long, but no blocked loop (the writer knows of the
        // pause).
        assert.deepEqual(index.blocks, []);
        assert.ok(!dap.stderr.join('').includes('async-lanes:'), dap.stderr.join(''));
      } finally {
        proc.kill();
      }
    });
  }

  it(`${debian.label}: detached while paused, the program runs on, recorded to its end`, { skip: debian.python === null ? debian.why : false, timeout: 120_000 }, async () => {
    const trace = join(dir, 'detached.lanes');
    const { dap, proc, pauseHere } = await launch(debian.python!, trace);
    try {
      await pauseHere();
      await dap.request('disconnect', { terminateDebuggee: false });
      await until(() => readFileSync(trace, 'utf8').includes('["exit",'));
      assert.deepEqual(fetchStates(trace), ['ok', 'ok', 'ok']);
    } finally {
      proc.kill();
    }
  });

  it(`${debian.label}: ended while paused, the trace keeps what the program did until the pause`, { skip: debian.python === null ? debian.why : false, timeout: 120_000 }, async () => {
    const trace = join(dir, 'terminated.lanes');
    const { dap, proc, pauseHere } = await launch(debian.python!, trace);
    try {
      const at = await pauseHere();
      await dap.request('terminate');
      await dap.event('terminated');
      const text = readFileSync(trace, 'utf8');
      assert.ok(text.startsWith(at.text), 'what the pause flushed, whole');
      assert.equal(at.index.tasks.filter((t) => t.coro === 'fetch').length, 3, 'the tasks created before the pause');
      assert.ok(!text.includes('["exit",'), 'killed: no exit record');
    } finally {
      proc.kill();
    }
  });

  it(`${debian.label}: restarted with the same environment, the second process writes <stem>.<pid>.lanes beside the first`, { skip: debian.python === null ? debian.why : false, timeout: 120_000 }, async () => {
    const trace = join(dir, 'restarted.lanes');
    const env = { ...process.env, ...debugLaunchEnv({ type: 'debugpy', request: 'launch', program: EXAMPLE }, { traceFile: trace, blockThresholdMs: null, packageRoot: ROOT, env: process.env, cwd: dir }) };
    const pids = [0, 1].map(() => spawnSync(debian.python!, [EXAMPLE], { env, cwd: dir, encoding: 'utf8' })).map((r) => {
      assert.equal(r.status, 0, r.stderr);
      return r.pid;
    });
    assert.equal(new TraceIndex(parseTrace(readFileSync(trace, 'utf8'))).meta.header.pid, pids[0]);
    assert.equal(new TraceIndex(parseTrace(readFileSync(join(dir, `restarted.${pids[1]}.lanes`), 'utf8'))).meta.header.pid, pids[1]);
    assert.deepEqual(fetchStates(join(dir, `restarted.${pids[1]}.lanes`)), ['ok', 'ok', 'ok']);
  });
});

describe("a debugged program's own end is the trace's exit record", () => {
  const programs = {
    'sys.exit(3)': { source: 'import asyncio, sys\n\nasync def main():\n    await asyncio.sleep(0.01)\n    print("bye")\n\nasyncio.run(main())\nsys.exit(3)\n', exit: ['exit', 3] },
    'an uncaught exception': { source: 'import asyncio\n\nasync def main():\n    await asyncio.sleep(0.01)\n    raise ValueError("boom here")\n\nasyncio.run(main())\n', exit: ['exception', 'ValueError: boom here'] },
  };

  /** Runs `program` under debugpy's adapter to its end, recorded to `trace` or not: stops at its last line and steps
   * over it (to the end of the program: no stop in the recorder's code), continues at an uncaught exception (VS Code
   * asks for those stops by default). */
  async function runToEnd(python: string, program: string, trace: string | null) {
    const env = trace === null ? {} : debugLaunchEnv({ type: 'debugpy', request: 'launch', program }, { traceFile: trace, blockThresholdMs: null, packageRoot: ROOT, env: process.env, cwd: dir });
    const proc = spawn(python, ['-m', 'debugpy.adapter'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    const dap = new Dap(proc);
    try {
      await dap.request('initialize', { adapterID: 'debugpy', clientID: 'async-lanes-test', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      const launched = dap.request('launch', { program, cwd: dir, env, console: 'internalConsole', justMyCode: true, rules: PYTHON_DEBUG_RULES });
      await dap.event('initialized');
      await dap.request('setBreakpoints', { source: { path: program }, breakpoints: [{ line: readFileSync(program, 'utf8').trimEnd().split('\n').length }] });
      await dap.request('setExceptionBreakpoints', { filters: ['uncaught'] });
      await dap.request('configurationDone');
      await launched;
      const stops: string[] = [];
      let m = await dap.event(['stopped', 'exited']);
      for (; m.event === 'stopped'; m = await dap.event(['stopped', 'exited'])) {
        const threadId = m.body!.threadId as number;
        const frames = (await dap.request('stackTrace', { threadId, startFrame: 0, levels: 1 })).body!.stackFrames as { name: string; line: number }[];
        stops.push(`${String(m.body!.reason)} ${frames[0]?.name}:${frames[0]?.line}`);
        await dap.request(m.body!.reason === 'exception' ? 'continue' : 'next', { threadId });
      }
      await dap.event('terminated');
      const output = (category: string) => dap.received('output').filter((o) => o.body!.category === category).map((o) => String(o.body!.output)).join('');
      return { exitCode: m.body!.exitCode, stops, stdout: output('stdout'), stderr: output('stderr') };
    } finally {
      proc.kill();
    }
  }

  for (const { label, python, why } of PYTHONS) {
    for (const [name, { source, exit }] of Object.entries(programs)) {
      it(`${label}: ${name}; the program's exit status, output and stops are those it has unrecorded`, { skip: python === null ? why : false, timeout: 180_000 }, async () => {
        const program = join(dir, `ends-${name.replace(/\W+/g, '_')}.py`);
        writeFileSync(program, source);
        const trace = join(dir, `ends-${name.replace(/\W+/g, '_')}-${label.replace(/\W+/g, '_')}.lanes`);
        const plain = await runToEnd(python!, program, null);
        assert.equal(plain.exitCode, exit[0] === 'exit' ? exit[1] : 1);
        assert.equal(plain.stops[0], `breakpoint <module>:${source.trimEnd().split('\n').length}`);
        const recorded = await runToEnd(python!, program, trace);
        assert.deepEqual(recorded, plain);
        const records = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown[]);
        const end = records.filter((r) => r[0] === 'exit');
        assert.deepEqual(end.map((r) => [r[2], r[3]]), [exit]);
      });
    }
  }
});

it("the start-up hook tells the program's argv from debugpy's command line, and debugpy's own processes from the program", () => {
  const cases: [string[], string[] | null][] = [
    [['/usr/lib/python3/dist-packages/debugpy', '--connect', '127.0.0.1:5678', '--configure-qt', 'none', '--adapter-access-token', 'x', '/ws/app.py', '--port', '1'], ['/ws/app.py', '--port', '1']],
    [['/usr/lib/python3/dist-packages/debugpy', '--connect', '127.0.0.1:5678', '-m', 'pkg.server', '-v'], ['pkg.server', '-v']],
    [['/usr/lib/python3/dist-packages/debugpy', '--listen', '5678', '--wait-for-client', '--log-to-stderr', 'app.py'], ['app.py']],
    [['/usr/lib/python3/dist-packages/debugpy', '--listen', '5678', '--pid', '42'], null],
    [['/usr/lib/python3/dist-packages/debugpy/launcher', '--', '/ws/app.py'], null],
    [['/ws/app.py', 'x'], ['/ws/app.py', 'x']],
  ];
  const code = `import json, sys; from sitecustomize import _program_argv; print(json.dumps([_program_argv(a) for a in json.loads(sys.argv[1])]))`;
  const r = spawnSync('python3', ['-c', code, JSON.stringify(cases.map((c) => c[0]))], { env: { ...process.env, PYTHONPATH: join(ROOT, 'src', 'recorders', 'python', 'autostart') }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), cases.map((c) => c[1]));
});

describe("the Python recorder's pause flush, called in the program as the debugger's evaluate calls it", () => {
  const program = join(dir, 'paused.py');
  writeFileSync(program, `import asyncio, sys, time

def spin(s):
    end = time.perf_counter() + s
    while time.perf_counter() < end:
        pass

async def sleeper(s):
    await asyncio.sleep(s)

async def inspect():
    print(sys.modules['async_lanes._life'].pause())
    sys.stdout.flush()
    spin(0.15)  # as long as a person looks at the pause

async def busy():
    spin(0.15)

async def main():
    a, b = asyncio.create_task(sleeper(0.3)), asyncio.create_task(sleeper(0.4))
    await inspect()
    await asyncio.gather(a, b)
    await busy()

asyncio.run(main())
`);
  for (const { label, python } of PYTHONS) {
    for (const native of ['0', '1']) {
      it(`${label}, C accelerator ${native === '1' ? 'on' : 'off'}: the records are in the file when it returns; it names the task in a step; the paused step is no blocked loop`, { skip: python === null }, () => {
        const trace = join(dir, `paused-${label.replace(/\W+/g, '_')}-${native}.lanes`);
        const env = { ...process.env, ASYNC_LANES_NATIVE: native, ...debugLaunchEnv({ type: 'debugpy', request: 'launch', program }, { traceFile: trace, blockThresholdMs: 50, packageRoot: ROOT, env: process.env, cwd: dir }) };
        const r = spawnSync(python!, [program], { env, cwd: dir, encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.status, 0, r.stderr);
        const pause = parsePauseAnswer(r.stdout);
        assert.ok(pause, r.stdout);
        const index = new TraceIndex(parseTrace(readFileSync(trace, 'utf8')));
        const named = (coro: string) => index.tasks.filter((t) => t.coro === coro).map((t) => t.id);
        assert.deepEqual(pause.running.map((p) => p.id), named('main'), 'main runs inspect() in its step');
        assert.deepEqual(tasksAt(index, pause.t, pause.running).filter((s) => named('sleeper').includes(s.id)).map((s) => s.state), ['scheduled', 'scheduled'], 'created, not started yet');
        assert.deepEqual(index.blocks.map((b) => b.task), named('main'), 'only the busy step blocked the loop (threshold 50 ms), not the paused one');
        assert.equal(index.blocks.length, 1);
      });
    }
  }
});

it('a trace file that cannot be written: the program runs as without the recorder, with one line that says so', () => {
  const program = join(dir, 'hello3.py');
  writeFileSync(program, "import sys\nprint('hello', sys.argv[1:])\n");
  const trace = join(dir, 'no-such-folder', 'x.lanes');
  const env = { ...process.env, ...debugLaunchEnv({ type: 'debugpy', request: 'launch', program }, { traceFile: trace, blockThresholdMs: null, packageRoot: ROOT, env: process.env, cwd: dir }) };
  const r = spawnSync('/usr/bin/python3', [program, 'x'], { env, cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "hello ['x']\n");
  assert.match(r.stderr, /^async-lanes: recording did not start \(FileNotFoundError: .*no-such-folder.*\); the program runs without it\.\n$/);
});

describe('Python debug sessions on an interpreter the recorder does not support', () => {
  const root = pyenvRoot();
  const old = root === null ? [] : readdirSync(join(root, 'versions')).filter((v) => /^(2\.7|3\.[5-8])\./.test(v)).map((v) => join(root, 'versions', v, 'bin', 'python'));
  it(`the program runs as without the recorder, with one line that says why it is not recorded (${old.map((p) => p.split('/').at(-3)).join(', ') || 'none installed'})`, { skip: old.length === 0 ? 'no Python older than 3.9 under pyenv' : false }, () => {
    const program = join(dir, 'hello.py');
    writeFileSync(program, "import sys\nsys.stdout.write('hello %d\\n' % len(sys.argv))\n");
    for (const python of old) {
      const trace = join(dir, 'old.lanes');
      const env = { ...process.env, ...debugLaunchEnv({ type: 'debugpy', request: 'launch', program }, { traceFile: trace, blockThresholdMs: null, packageRoot: ROOT, env: process.env, cwd: dir }) };
      const r = spawnSync(python, [program, 'x'], { env, cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'hello 2\n');
      assert.match(r.stderr, /^async-lanes: Python 3\.9 or newer is needed to record \(this is [23]\.\d+\); the program runs without recording\.\n$/);
      assert.ok(!existsSync(trace));
    }
  });
});

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !check(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > end) throw new Error('timed out');
  }
}
