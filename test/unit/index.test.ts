import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceIndex, type Resolution, type TaskInfo } from '../../src/model/index.js';
import { parseTrace, TraceParser } from '../../src/model/parser.js';
import { buildReport } from '../../src/model/report.js';
import type { Site } from '../../src/model/types.js';
import { FIXTURES, fixtureIndex, fixtureText, rng } from './helpers.js';

/** [busy, idle, scheduled] — the three always add up to the task's lifetime. */
function split(t: TaskInfo | undefined): [number, number, number] {
  assert.ok(t);
  return [t.busyNs, t.idleNs, t.scheduledNs];
}

function assertAddsUp(index: TraceIndex): void {
  for (const t of index.tasks) {
    assert.equal(t.busyNs + t.idleNs + t.scheduledNs, (t.end ?? index.meta.endNs) - t.start, `task ${t.id}`);
  }
}

test('gather: parent idle on the gather until its set time, children idle on their sleeps', () => {
  const index = fixtureIndex('gather.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(1)), [140, 1930, 170]);
  assert.deepEqual(index.task(1)?.idleByKind, { gather: 1930 });
  assert.deepEqual(split(index.task(2)), [70, 750, 200]);
  assert.deepEqual(split(index.task(3)), [80, 1700, 190]);
  assert.deepEqual(index.task(3)?.idleByKind, { sleep: 1700 });
  const main = index.task(1)!;
  assert.deepEqual(main.children, [2, 3]);
  assert.equal(main.site?.line, 30);
  assert.deepEqual(main.awaits.map((a) => [a.site?.line, a.count, a.totalNs, a.maxNs, a.kinds]), [[22, 1, 2050, 2050, ['gather']]]);
  assert.deepEqual(main.wakers, [{ by: null, via: 'callback', count: 1 }]);
  assert.deepEqual(index.future(10)?.children, [2, 3]);
  assert.equal(index.loops[0].events.length, 2);
});

test('gather without a set record resolves at its last child\'s end', () => {
  const text = fixtureText('gather.lanes').replace(/^\["set",0,10,.*\n/m, '');
  const index = new TraceIndex(parseTrace(text));
  assert.equal(index.data.sets.length, 2);
  assert.deepEqual(split(index.task(1)), [140, 1930, 170]);
  assert.deepEqual(index.task(1)?.wakers, [{ by: 3, via: 'task', count: 1 }]);
});

test('task awaiting a task, bare yield, sleep', () => {
  const index = fixtureIndex('await-task.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(1)), [30, 505, 75]);
  assert.deepEqual(index.task(1)?.idleByKind, { task: 505 });
  assert.deepEqual(index.task(1)?.wakers, [{ by: 2, via: 'task', count: 1 }]);
  const child = index.task(2)!;
  assert.deepEqual(split(child), [30, 430, 60]);
  assert.deepEqual(child.steps.map((s) => [s.start, s.dur, s.awaited, s.awaitKind, s.idleNs, s.scheduledNs, s.site?.line]), [
    [30, 10, null, 'yield', 0, 20, 4],
    [60, 10, 5, 'sleep', 430, 20, 5],
    [520, 10, null, null, 0, 0, 6],
  ]);
  assert.deepEqual(child.wakers, [{ by: null, via: 'yield', count: 1 }, { by: null, via: 'timer', count: 1 }]);
  assert.equal(child.result, '42');
  assert.equal(child.state, 'ok');
});

test('a future resolved by another task; a task cancelled by another task', () => {
  const index = fixtureIndex('future-by-task.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(1)), [20, 105, 35]);
  assert.deepEqual(index.task(1)?.wakers, [{ by: 2, via: 'task', count: 1 }]);
  assert.deepEqual(split(index.task(2)), [20, 70, 22]);
  const waiter = index.task(3)!;
  assert.deepEqual(split(waiter), [10, 110, 46]);
  assert.deepEqual(waiter.idleByKind, { lock: 110 });
  assert.equal(waiter.state, 'cancelled');
  assert.equal(waiter.cancelledBy, 1);
  const fut = index.future(20)!;
  assert.deepEqual([fut.kind, fut.state, fut.owner, fut.resolved, fut.resolvedBy, fut.via, fut.text, fut.site?.line], ['future', 'result', 1, 115, 2, 'task', "'hello'", 10]);
  assert.equal(index.future(22)?.waitKind, 'lock');
});

test('executor: idle on the executor until the worker thread resolved it', () => {
  const index = fixtureIndex('executor.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(1)), [20, 305, 15]);
  assert.deepEqual(index.task(1)?.idleByKind, { executor: 305 });
  assert.deepEqual(index.task(1)?.wakers, [{ by: null, via: 'thread', count: 1 }]);
  assert.deepEqual(index.threads.map((t) => [t.id, t.name, t.work.length]), [[1, 'asyncio_0', 1]]);
  assert.deepEqual(index.work.map((w) => [w.fn, w.start, w.dur, w.future, w.site?.line]), [['blocking_io', 12, 300, 30, 3]]);
  assert.deepEqual(index.callbacks.map((c) => [c.name, c.start, c.dur, c.site?.line]), [['on_done', 350, 5, 15]]);
});

test('eager task: nested first step, name given later, record written after its step', () => {
  const index = fixtureIndex('eager.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(1)), [110, 420, 10]);
  const child = index.task(2)!;
  assert.deepEqual(split(child), [30, 470, 10]);
  assert.equal(child.name, 'Task-2');
  assert.equal(child.parent, 1);
  assert.equal(child.start, 10);
  assert.deepEqual(index.tasks.map((t) => t.id), [1, 2]);
});

test('pending and shutdown-cancelled tasks run to the trace end / their cancellation', () => {
  const index = fixtureIndex('pending-exit.lanes');
  assertAddsUp(index);
  assert.deepEqual(split(index.task(2)), [10, 960, 20]);
  assert.equal(index.task(2)?.state, 'pending');
  assert.deepEqual(split(index.task(3)), [15, 850, 39]);
  assert.equal(index.task(3)?.cancelledBy, 'shutdown');
  assert.deepEqual(split(index.task(4)), [0, 0, 988], 'created, never ran: scheduled until the end');
  assert.equal(index.meta.exit?.how, 'exit');
});

test('blocks name their task or callback and keep the stack', () => {
  const index = fixtureIndex('block.lanes');
  assert.deepEqual(index.blocks.map((b) => [b.start, b.dur, b.task, b.callback, b.sites.map((s) => s.line)]), [
    [1000, 149_000_000, 1, null, [7, 20]],
    [200_100_000, 119_900_000, null, 'tick', [12]],
  ]);
});

test('compact records: a callback without a name takes its site\'s function; a set without text', () => {
  const text = [
    '{"format":"async-lanes","version":1,"runtime":"python"}',
    '["site",1,"/app/main.py",7,"on_tick"]',
    '["fut",10,5,"sleep",null,1]',
    '["cb",100,50,1]',
    '["cb",100,50,1,"named"]',
    '["set",10,5,"timer"]',
    '',
  ].join('\n');
  const index = new TraceIndex(parseTrace(text));
  assert.deepEqual(index.callbacks.map((c) => [c.name, c.start, c.dur, c.site?.line]), [
    ['on_tick', 110, 50, 7],
    ['named', 210, 50, 7],
  ]);
  const fut = index.future(5)!;
  assert.deepEqual([fut.state, fut.resolved, fut.via, fut.text], ['result', 220, 'timer', '']);
});

test('ids referenced but never defined are tolerated', () => {
  const text =
    '{"format":"async-lanes","version":1,"runtime":"python","argv":[],"cwd":"/p","start":null}\n' +
    '["step",5,9,10,77,3]\n["step",100,9,5,null,null]\n["end",5,9,"error","KeyError: 1",4]\n["set",0,88,null,9,"result","1"]\n';
  const index = new TraceIndex(parseTrace(text));
  const t = index.task(9)!;
  assert.equal(t.defined, false);
  assert.equal(t.state, 'error');
  assert.equal(t.error, 'KeyError: 1');
  assert.equal(t.raiseSite, null);
  assert.deepEqual(split(t), [15, 90, 0], 'unknown resolution: the whole gap is idle');
  assert.deepEqual(t.idleByKind, { other: 90 });
  assert.deepEqual([index.future(88)?.resolvedBy, index.future(88)?.via], [9, 'task']);
});

test('a crafted chain of 20000 nested gathers does not overflow the stack', () => {
  const lines = ['{"format":"async-lanes","version":1,"runtime":"python","argv":[],"cwd":null,"start":null}', '["task",0,1,null,"T","main",null,0]'];
  for (let i = 0; i < 20000; i++) lines.push(`["fut",1,${100 + i},"gather",1,null,[${101 + i}]]`);
  lines.push('["step",1,1,5,100,null]', '["step",10,1,5,null,null]');
  const index = new TraceIndex(parseTrace(lines.join('\n') + '\n'));
  assert.equal(index.task(1)?.steps[0].awaitKind, 'gather');
  assert.equal(index.task(1)?.steps[0].wake, null);
});

// ---------------------------------------------------------------------------------------------------------------
// Golden snapshot: the index (everything it exposes, and buildReport) of every fixture, of seeded random synthetic traces (damage, eager tasks, gathers of
// gathers, cycles, undefined ids, repeated records, ...) and of a small trace shaped like the viewer benchmark's,
// compared with the outputs recorded from the original implementation (test/fixtures/index-snapshot.json). Run
// with UPDATE_INDEX_SNAPSHOT=1 to rewrite it (only when a change of results is intended).

const SNAPSHOT = join(FIXTURES, 'index-snapshot.json');

const siteRef = (s: Site | null) => (s === null ? null : [s.id, s.file, s.line, s.func]);
const resRef = (r: Resolution | null) => (r === null ? null : [r.t, r.by, r.via, r.state]);

/** Everything the index exposes, as plain JSON (key order of idleByKind included). */
function dumpIndex(index: TraceIndex): unknown {
  const ids = new Set<number>();
  for (const t of index.tasks) ids.add(t.id);
  for (const f of index.futures) ids.add(f.id);
  for (const s of index.data.steps) if (s.awaited !== null) ids.add(s.awaited);
  for (const f of index.data.futs) for (const c of f.children) ids.add(c);
  const probe = [...ids, 0, 1, 2, 3, 999_999, 123_456_789].sort((a, b) => a - b);
  return {
    tasks: index.tasks.map((t) => ({
      ...t,
      site: siteRef(t.site),
      raiseSite: siteRef(t.raiseSite),
      idleByKind: Object.entries(t.idleByKind),
      steps: t.steps.map((s) => [s.start, s.dur, s.awaited, s.awaitKind, siteRef(s.site), s.idleNs, s.scheduledNs, resRef(s.wake)]),
      awaits: t.awaits.map((a) => [siteRef(a.site), a.count, a.totalNs, a.maxNs, a.kinds]),
      wakers: t.wakers.map((w) => [w.by, w.via, w.count]),
    })),
    futures: index.futures.map((f) => ({ ...f, site: siteRef(f.site) })),
    callbacks: index.callbacks.map((c) => [c.name, c.start, c.dur, siteRef(c.site)]),
    blocks: index.blocks.map((b) => [b.start, b.dur, b.task, b.callback, b.sites.map(siteRef)]),
    work: index.work.map((w) => [w.thread, w.fn, w.start, w.dur, w.future, siteRef(w.site)]),
    threads: index.threads.map((th) => [th.id, th.name, th.work.map((w) => index.work.indexOf(w))]),
    loops: index.loops,
    warnings: index.warnings.map((w) => [w.t, w.kind, siteRef(w.site), w.task, w.text]),
    meta: index.meta,
    lookups: probe.map((id) => [id, index.task(id)?.id ?? null, index.future(id)?.id ?? null, index.kindOf(id), resRef(index.resolution(id))]),
    report: buildReport(index),
  };
}

/** A seeded random trace exercising the index's corner cases. */
function randomTrace(seed: number, size: number): string {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const int = (n: number) => Math.floor(rand() * n);
  const lines = ['{"format":"async-lanes","version":1,"runtime":"python","argv":["x"],"cwd":"/p","start":null,"blockThresholdNs":100}'];
  const nTasks = 2 + int(size / 20);
  const nFuts = 2 + int(size / 10);
  const taskId = () => 1 + int(nTasks + 2); // a few never defined
  const futId = () => 500 + int(nFuts + 3);
  const anyId = () => (rand() < 0.4 ? taskId() : rand() < 0.95 ? futId() : 400 + int(5));
  const siteId = () => (rand() < 0.15 ? null : 1 + int(12)); // sites 11, 12 never defined
  for (let s = 1; s <= 10; s++) lines.push(JSON.stringify(['site', s, `/p/m${s % 3}.py`, s * 7, `f${s}`]));
  const kinds = ['future', 'sleep', 'gather', 'gather', 'wait', 'shield', 'executor', 'io', 'queue', 'lock', 'semaphore', 'event', 'condition', 'barrier', 'timeout', 'weird', 'toString'];
  const vias = [null, null, 'timer', 'io', 'thread', 'callback', 'shutdown', 'task', 'yield', 'null'];
  const dt = () => (rand() < 0.1 ? -int(50) : int(100));
  for (let i = 0; i < size; i++) {
    const r = rand();
    let rec: unknown[];
    if (r < 0.06) rec = ['task', dt(), taskId(), rand() < 0.7 ? int(nTasks + 2) : null, rand() < 0.8 ? `T${i}` : null, `coro${int(4)}`, siteId(), pick([0, 0, 1, null])];
    else if (r < 0.08) rec = ['name', dt(), taskId(), `N${i}`];
    else if (r < 0.45) rec = ['step', dt(), taskId(), int(60), rand() < 0.25 ? null : anyId(), siteId()];
    else if (r < 0.52) rec = ['end', dt(), taskId(), pick(['ok', 'error', 'cancelled']), `e${i}`, siteId()];
    else if (r < 0.64) {
      const kind = pick(kinds);
      const children = kind === 'gather' || kind === 'wait' ? Array.from({ length: int(4) }, anyId) : rand() < 0.5 ? undefined : [];
      rec = ['fut', dt(), futId(), kind, rand() < 0.8 ? taskId() : null, siteId()];
      if (children !== undefined) rec.push(children);
    } else if (r < 0.82) {
      // (values drawn in the order of the snapshot's generator, then laid out as the format has them)
      const [d, id, state, by, via] = [dt(), rand() < 0.2 ? taskId() : anyId(), pick(['result', 'exception', 'cancelled']), rand() < 0.4 ? taskId() : null, pick(vias)];
      rec = ['set', d, id, via, by, state, `v${i}`];
    } else if (r < 0.86) {
      const [d, dur, name, site] = [dt(), int(80), `cb${int(5)}`, siteId()];
      rec = ['cb', d, dur, site, name];
    }
    else if (r < 0.88) rec = ['block', dt(), int(300), rand() < 0.5 ? taskId() : null, Array.from({ length: int(3) }, () => 1 + int(12))];
    else if (r < 0.89) rec = ['thread', dt(), int(4), `th${int(4)}`];
    else if (r < 0.91) rec = ['work', dt(), int(90), int(5), rand() < 0.8 ? futId() : null, `fn${int(3)}`, siteId()];
    else if (r < 0.92) rec = ['loop', dt(), int(2), pick(['start', 'stop', 'close']), int(2)];
    else if (r < 0.93) rec = ['warn', dt(), pick(['never-awaited', 'unretrieved-exception', 'loop-exception']), siteId(), rand() < 0.5 ? anyId() : null, `w${i}`];
    else if (r < 0.95) rec = ['clock', int(size * 60)];
    else if (r < 0.96) {
      lines.push(rand() < 0.5 ? '["step",1,"x"' : 'garbage');
      continue;
    } else rec = ['step', 0, taskId(), 0, rand() < 0.5 ? null : futId(), siteId()]; // equal times: sort stability
    lines.push(JSON.stringify(rec));
  }
  // A chain of gathers deeper than the recursion limit, awaited from its middle first. Odd seeds put it far from the
  // other ids (the index then keeps those ids in Maps rather than arrays).
  const base = seed % 2 === 1 ? 100_000 + seed * 1000 : 500 + nFuts + 10;
  for (let i = 0; i < 260; i++) lines.push(JSON.stringify(['fut', 1, base + i, 'gather', null, null, [i === 259 ? 1 : base + i + 1]]));
  lines.push(JSON.stringify(['step', 1, 1, 5, base + 100, 1]), JSON.stringify(['step', 1, 2, 5, base, 1]));
  if (rand() < 0.5) lines.push(JSON.stringify(['exit', 10, 'exit', 0]));
  return lines.join('\n') + (rand() < 0.5 ? '\n' : '\n["step",3,1,');
}

/** The viewer benchmark's trace shape (bench/viewer.mjs), small: tasks stepping round-robin, each awaiting a sleep. */
function benchTrace(groups: number, perGroup: number, rounds: number): string {
  let last = 0;
  const lines = [JSON.stringify({ format: 'async-lanes', version: 1, runtime: 'python', argv: ['bench'], cwd: '/bench', start: null, blockThresholdNs: 100_000_000 })];
  lines.push(JSON.stringify(['site', 1, '/bench/app.py', 10, 'worker']), JSON.stringify(['site', 2, '/bench/app.py', 20, 'main']));
  const rec = (t: number, r: unknown[]) => {
    r.splice(1, 0, t - last);
    last = t;
    lines.push(JSON.stringify(r));
  };
  let t = 1000;
  rec(t, ['task', 1, null, 'main', 'main', 2, 0]);
  rec(t, ['loop', 0, 'start', 0]);
  const ids: number[] = [];
  let next = 2;
  for (let g = 0; g < groups; g++) {
    const gid = next++;
    rec((t += 100), ['task', gid, 1, `group-${g}`, 'group', 2, 0]);
    for (let w = 0; w < perGroup; w++) {
      ids.push(next);
      rec((t += 100), ['task', next++, gid, `worker-${g}-${w}`, 'worker', 1, 0]);
    }
  }
  let fut = 1_000_000;
  const pending: (number | null)[] = ids.map(() => null);
  const rand = rng(7);
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
  }
  rec((t += 1000), ['exit', 'exit', 0]);
  return lines.join('\n') + '\n';
}

const digest = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');

function snapshotInputs(): [string, string][] {
  const out: [string, string][] = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.lanes'))
    .sort()
    .map((f) => [f, fixtureText(f)]);
  for (const seed of [1, 2, 3, 4, 5, 6]) out.push([`random-${seed}`, randomTrace(seed, seed <= 3 ? 300 : 1500)]);
  out.push(['bench-like', benchTrace(3, 4, 6)]);
  return out;
}

test('the index of fixtures, random and bench-like traces equals the recorded snapshot', () => {
  const actual: Record<string, unknown> = {};
  for (const [name, text] of snapshotInputs()) {
    const dump = JSON.parse(JSON.stringify(dumpIndex(new TraceIndex(parseTrace(text))))) as Record<string, unknown>;
    // The random traces are large: recorded as one digest per section (tasks, futures, ..., report).
    actual[name] = name.startsWith('random-') ? Object.fromEntries(Object.entries(dump).map(([k, v]) => [k, digest(v)])) : dump;
  }
  if (process.env.UPDATE_INDEX_SNAPSHOT) writeFileSync(SNAPSHOT, JSON.stringify(actual) + '\n');
  const expected = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(actual), Object.keys(expected));
  for (const name of Object.keys(expected)) assert.deepEqual(actual[name], expected[name], name);
});

test('steps are built on first read, from the data as it was when the index was built (live views keep reading)', () => {
  const lines = randomTrace(2, 1500).split('\n');
  const half = lines.slice(0, lines.length >> 1).join('\n') + '\n';
  const rest = lines.slice(lines.length >> 1).join('\n') + '\n["clock",1000000000]\n["cb",0,5,1,"late"]\n';
  const expected = new TraceIndex(parseTrace(half));
  const parser = new TraceParser();
  parser.push(half);
  const live = new TraceIndex(parser.data!);
  const [steps, endNs] = [parser.data!.steps.length, parser.data!.endNs];
  parser.push(rest); // appends to the same TraceData: more steps, sets, sites, a later end time
  assert.ok(parser.data!.steps.length > steps && parser.data!.endNs > endNs);
  assert.deepEqual(
    live.tasks.map((t) => ({ ...t })),
    expected.tasks.map((t) => ({ ...t })),
  );
  const task = live.tasks.find((t) => t.steps.length > 1)!;
  assert.equal(task.steps, task.steps, 'built once');
  assert.equal(Object.keys(task).indexOf('steps'), Object.keys(task).indexOf('idleByKind') + 1);
  task.steps = [];
  assert.deepEqual(task.steps, []);
});
