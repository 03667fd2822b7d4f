// A synthetic but realistic `.lanes` trace of a given size, written as the Python recorder writes one: a server task
// starting request handlers (~1000 alive at once, 20-320 awaits each, a few through child tasks and gathers), steps
// awaiting futures created on the spot (sleep, io, future: the step's 7th element) resolved by the timer, I/O or a
// callback, locks released by other tasks, executor work on 4 threads, timer callbacks, a blocked loop now and then.
// Records go out in chunks of 4096, each starting with a clock record and sorted by time; steps, task and end
// records go in one stream of chunks and everything else in another, so that chunks interleave and a later chunk
// can hold earlier times (negative deltas), as with the recorder's two writers.
//
//   node bench/gen-trace.mjs OUT.lanes SIZE_MB [SEED]

import { closeSync, openSync, writeSync } from 'node:fs';

export function generateTrace(out, sizeBytes, seed = 1) {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(rand() * n);
  const fd = openSync(out, 'w');
  let written = 0;
  let pending = '';
  const write = (s) => {
    pending += s;
    if (pending.length > 1 << 20) {
      written += Buffer.byteLength(pending);
      writeSync(fd, pending);
      pending = '';
    }
  };
  write(JSON.stringify({ format: 'async-lanes', version: 1, runtime: 'python', runtimeVersion: '3.12.3', pid: 4242, argv: ['server.py', '--port', '8080'], cwd: '/srv/app', start: '2026-11-21T19:42:00.123456Z', blockThresholdNs: 100000000, native: true }) + '\n');
  const SITES = 240;
  for (let i = 1; i <= SITES; i++) {
    const file = `/srv/app/${['handlers', 'db', 'cache', 'http', 'auth', 'queue'][i % 6]}/${['views', 'models', 'client', 'utils'][i % 4]}.py`;
    write(JSON.stringify(['site', i, file, 10 + ((i * 37) % 400), ['handle', 'fetch', 'query', 'send', 'recv', 'acquire', 'worker', 'parse'][i % 8]]) + '\n');
  }
  // Two streams of records, each flushed in time-sorted chunks with their own clock.
  const streams = [{ recs: [], last: 0 }, { recs: [], last: 0 }];
  const emit = (s, t, rec) => {
    const st = streams[s];
    st.recs.push([t, rec]);
    if (st.recs.length >= 4096) flush(s);
  };
  const flush = (s) => {
    const st = streams[s];
    if (st.recs.length === 0) return;
    st.recs.sort((x, y) => x[0] - y[0]);
    let clock = st.recs[0][0];
    let text = `["clock",${clock}]\n`;
    for (const [t, rec] of st.recs) {
      rec[1] = t - clock;
      clock = t;
      text += JSON.stringify(rec) + '\n';
    }
    write(text);
    st.recs = [];
  };
  let nextId = 10;
  let now = 1_000_000;
  // Timers: [time, fn] in a binary heap.
  const heap = [];
  const push = (t, fn) => {
    heap.push([t, fn]);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p][0] <= heap[i][0]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const pop = () => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= heap.length) break;
        if (c + 1 < heap.length && heap[c + 1][0] < heap[c][0]) c++;
        if (heap[i][0] <= heap[c][0]) break;
        [heap[c], heap[i]] = [heap[i], heap[c]];
        i = c;
      }
    }
    return top;
  };
  const ready = [];
  const tasks = new Map();
  const site = () => 1 + int(SITES);
  const newTask = (parent, steps, waiter = null) => {
    const id = nextId++;
    const task = { id, steps, waiter, parent, sites: 1 + int(SITES - 8) };
    tasks.set(id, task);
    emit(0, now, ['task', 0, id, parent, `Task-${id}`, parent === 1 ? 'handle_request' : 'fetch_part', site(), 0]);
    ready.push(task);
    return task;
  };
  const wake = (task, t) => push(t, () => ready.push(task));
  emit(0, now, ['loop', 0, 0, 'start', 0]);
  for (let th = 1; th <= 4; th++) emit(1, now, ['thread', 0, th, `ThreadPoolExecutor-0_${th - 1}`]);
  const server = { id: 1, steps: Infinity, server: true };
  tasks.set(1, server);
  emit(0, now, ['task', 0, 1, null, 'Task-1', 'main', 1, 0]);
  ready.push(server);
  let stepsDone = 0;
  while (written + pending.length < sizeBytes) {
    if (ready.length === 0) {
      const [t, fn] = pop();
      if (t > now) {
        now = t;
        if (rand() < 0.3) {
          const dur = 2000 + int(20000);
          emit(1, now, ['cb', 0, dur, site()]);
          now += dur;
        }
      }
      fn();
      continue;
    }
    const task = ready.shift();
    const start = now;
    let dur = 3000 + int(40000);
    stepsDone++;
    if (stepsDone % 250_000 === 0) dur = 150_000_000 + int(100_000_000); // a blocked loop
    now += dur;
    const s = task.server ? 1 : task.sites + int(task.steps % 3 === 0 ? 8 : 4);
    if (dur > 100_000_000) emit(1, start, ['block', 0, dur, task.id, [s, site(), site()], 5, 7]);
    if (task.server) {
      // The server accepts connections: a new handler now and then, while ~1000 are alive.
      if (tasks.size < 1000) for (let k = 0; k < 3; k++) newTask(1, 20 + int(300));
      const f = nextId++;
      emit(0, start, ['step', 0, 1, dur, f, s, 'io']);
      const at = now + 20_000 + int(200_000);
      emit(1, at, ['set', 0, f, 'io']);
      wake(task, at);
      continue;
    }
    task.steps--;
    if (task.steps <= 0) {
      emit(0, start, ['step', 0, task.id, dur, null, s]);
      emit(0, now, ['end', 0, task.id, 'ok', rand() < 0.5 ? 'None' : `{'status': 200, 'bytes': ${int(100000)}}`, null]);
      tasks.delete(task.id);
      if (task.waiter) task.waiter(now);
      continue;
    }
    const r = rand();
    if (r < 0.62) {
      const f = nextId++;
      const kind = r < 0.25 ? 'io' : r < 0.45 ? 'sleep' : 'future';
      emit(0, start, ['step', 0, task.id, dur, f, s, kind]);
      const at = now + 10_000 + int(kind === 'sleep' ? 5_000_000 : 800_000);
      emit(1, at, kind === 'io' ? ['set', 0, f, 'io'] : kind === 'sleep' ? ['set', 0, f, 'timer'] : ['set', 0, f, 'callback', null, 'result', `<Response [${200 + int(3)}]>`]);
      wake(task, at);
    } else if (r < 0.64) {
      // A child task awaited, or a gather of two.
      if (r < 0.635) {
        const child = newTask(task.id, 1 + int(4), (t) => wake(task, t + 1000));
        emit(0, start, ['step', 0, task.id, dur, child.id, s]);
      } else {
        const g = nextId++;
        let left = 2;
        const c1 = newTask(task.id, 1 + int(3), (t) => {
          if (--left === 0) {
            emit(1, t, ['set', 0, g, 'callback']);
            wake(task, t + 1000);
          }
        });
        const c2 = newTask(task.id, 1 + int(3), (t) => {
          if (--left === 0) {
            emit(1, t, ['set', 0, g, 'callback']);
            wake(task, t + 1000);
          }
        });
        emit(1, start, ['fut', 0, g, 'gather', task.id, s, [c1.id, c2.id]]);
        emit(0, start, ['step', 0, task.id, dur, g, s]);
      }
    } else if (r < 0.76) {
      // A lock another task releases.
      const f = nextId++;
      emit(1, start, ['fut', 0, f, 'lock', task.id, s]);
      emit(0, start, ['step', 0, task.id, dur, f, s]);
      const at = now + 50_000 + int(2_000_000);
      const by = tasks.size > 1 ? [...tasks.keys()][1] : 1;
      emit(1, at, ['set', 0, f, 'task', by]);
      wake(task, at);
    } else if (r < 0.8) {
      // Executor work.
      const f = nextId++;
      emit(1, start, ['fut', 0, f, 'executor', task.id, s]);
      emit(0, start, ['step', 0, task.id, dur, f, s]);
      const wdur = 100_000 + int(3_000_000);
      emit(1, now + 5000, ['work', 0, wdur, 1 + int(4), f, 'load_blob', site()]);
      emit(1, now + 5000 + wdur, ['set', 0, f, 'thread']);
      wake(task, now + 5000 + wdur + 2000);
    } else {
      emit(0, start, ['step', 0, task.id, dur, null, s]);
      ready.push(task);
    }
  }
  emit(1, now, ['exit', 0, 'signal', 'SIGINT']);
  flush(0);
  flush(1);
  writeSync(fd, pending);
  closeSync(fd);
  return { steps: stepsDone, bytes: written + Buffer.byteLength(pending) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, mb, seed] = process.argv.slice(2);
  const r = generateTrace(out, Number(mb) * 1e6, Number(seed ?? 1));
  console.log(`${out}: ${(r.bytes / 1e6).toFixed(0)} MB, ${r.steps} steps`);
}
