// The recorder's hot path: the functions the transformed code calls (transform.ts) append numbers to a Float64Array
// chunk (a segment of shared memory, codes.ts); a timer hands chunks to the writer thread (writer.ts) every 100 ms,
// and at exit the rest is written before the process ends. Nothing here captures a stack, formats JSON or touches the file.
//
// Each running async function holds a Task (its `__al$t`), dropped with the function's frame: per-task state never
// accumulates. Task ↔ promise: a promise init hook remembers the last promise created; the first thing an async
// function's body does is `e()`, right after V8 created the function's promise, so that promise is the task's (a
// symbol-keyed property). Awaiting it is awaiting the task. Other promises become futures when first awaited;
// Promise.all/allSettled (gather) and race/any (wait) record their children. Who woke a task: the task whose step
// ended last since the current event-loop callback began (it resolved the promise), else that callback (a timer,
// I/O), seen by an async_hooks before hook that ignores promises where Node allows it (promise hooks on every
// reaction would cost more than the rest of the recorder together).

import { executionAsyncResource, createHook } from 'node:async_hooks';
import { types } from 'node:util';
import { promiseHooks } from 'node:v8';
import { Kind, Op, SEGMENT, SEGMENTS, Shared, Via, type Chunk } from './codes.js';

const perf = performance;

const segments: Float64Array[] = [];
/** The chunk being filled, and which segment it is (-1: a buffer of its own). */
let b: Float64Array = new Float64Array(SEGMENT);
let seg = -1;
let bi = 0;
let strs: (string | number[])[] = [];
let newSites: Chunk['sites'] = [];
let newNames: Chunk['names'] = [];
let newMaps: Chunk['maps'] = [];
let post: (c: Chunk, last: boolean) => void = () => undefined;
let shared: Int32Array = new Int32Array(Shared.Size);

/** A running async function: its id, the start of its running step, whether it is suspended, and the future it
 * waits on (`pend`, with the awaited object when it is a promise, to mark it set once when the task resumes). */
class Task {
  t0 = 0;
  /** The site of the `return` that ended it (set by the transformed code), -1 before. */
  ret = -1;
  suspended = false;
  pend = 0;
  pendObj: object | null = null;
  constructor(
    readonly id: number,
    readonly site: number,
  ) {}
}

let nextId = 0;
/** The running task and the ones it interrupted (a task calling an async function runs it synchronously). */
let cur: Task | null = null;
const stack: (Task | null)[] = [];
/** The task x() just ended with an error (its finally block calls f() next). */
let failed: Task | null = null;

/** The class returned from a constructor lends its private field to any object. */
class Lender {
  constructor(o: object) {
    return o;
  }
}

/** What a promise (or any awaited object) is to the recorder, in a private field: the program cannot see it (no
 * property, no symbol), and it costs a few ns where a WeakMap entry costs ~150. An async function's promise is its
 * task (id × 4); an awaited or gathered promise a future (id × 4 + 1), + 2 once its `set` record is written. */
class Stamp extends Lender {
  #v = 0;
  private constructor(o: object, v: number) {
    super(o);
    this.#v = v;
  }

  /** The stamp of o, -1 when it has none. */
  static of(o: object): number {
    return #v in o ? (o as Stamp).#v : -1;
  }

  static set(o: object, v: number): void {
    if (#v in o) (o as Stamp).#v = v;
    else {
      try {
        new Stamp(o, v);
      } catch {
        // an object that refuses private fields (a future engine's rule for frozen ones) stays unknown
      }
    }
  }
}
const TASK = 0;
const FUT = 1;
const FUT_SET = 2;
/** The task or future id in a stamp (ids outgrow 32 bits in a long run: no bit operators). */
const idOf = (v: number) => (v - (v % 4)) / 4;
/** Futures whose `fut` record waits for its kind until they resolve: id → [t, owner, site]. */
const deferredFut = new Map<number, [number, number, number]>();
let lastInit: object | null = null;
const promiseThen = Promise.prototype.then;
const PromiseProto = Promise.prototype;
const apply = Reflect.apply;

/** The event-loop callback running now or last (its kind), and the task whose step ended last since it began. */
let macroVia: number = Via.Callback;
let lastStepTask = 0;

function rotate(last: boolean): void {
  const c: Chunk = { buf: b, n: bi, seg, strs, sites: newSites, names: newNames, maps: newMaps };
  if (seg >= 0) Atomics.store(shared, Shared.Busy + seg, 1);
  nextSegment();
  bi = 0;
  strs = [];
  strIndex.clear();
  newSites = [];
  newNames = [];
  newMaps = [];
  post(c, last);
}

/** The next free segment, a new one when the writer holds them all (it is behind), and past SEGMENTS a buffer of
 * its own: the program is never made to wait for the writer. */
function nextSegment(): void {
  for (let k = 1; k <= segments.length; k++) {
    const next = (seg + k) % segments.length;
    if (Atomics.load(shared, Shared.Busy + next) === 0) {
      seg = next;
      b = segments[next];
      return;
    }
  }
  if (segments.length < SEGMENTS) {
    seg = segments.length;
    b = new Float64Array(new SharedArrayBuffer(SEGMENT * 8));
    segments.push(b);
  } else {
    seg = -1;
    b = new Float64Array(SEGMENT);
  }
}

/** A text's index in the chunk: each text is sent once per chunk (most are a few constant previews, and every
 * string costs the writer's message a copy). */
const strIndex = new Map<string, number>();
function str(s: string): number {
  let k = strIndex.get(s);
  if (k === undefined) {
    k = strs.push(s) - 1;
    strIndex.set(s, k);
  }
  return k;
}

function step(t: number, k: Task, awaited: number, site: number): void {
  if (bi + 6 > SEGMENT) rotate(false);
  const i = bi;
  b[i] = Op.Step;
  b[i + 1] = k.t0;
  b[i + 2] = t;
  b[i + 3] = k.id;
  b[i + 4] = awaited;
  b[i + 5] = site;
  bi = i + 6;
  lastStepTask = k.id;
}

function leave(k: Task): void {
  if (cur === k) cur = stack.length ? stack.pop()! : null;
  if (cur === null && cbId < 0) shared[Shared.SliceStart] = 0;
}

function enter(k: Task, t: number): void {
  // A step that starts a slice of its own (a promise reaction, not inside a callback): the watchdog times it.
  if (cur === null && cbId < 0) shared[Shared.SliceStart] = t > 1 ? t : 1;
  stack.push(cur);
  cur = k;
  k.t0 = t;
  k.suspended = false;
}

/** Whether the last awaitable() was a task. */
let awaitedTask = false;

/** The awaitable id of object x: a task, a known future, a new future (deferred: its kind is known when it resolves). */
function awaitable(x: object, t: number, owner: number, site: number): number {
  const v = Stamp.of(x);
  awaitedTask = v >= 0 && v % 4 === TASK;
  if (v >= 0) return idOf(v);
  const f = ++nextId;
  Stamp.set(x, f * 4 + FUT);
  deferredFut.set(f, [t, owner, site]);
  return f;
}

/** A promise gathered by a combinator (plain values are not waited on): a task, a known future, or a new future
 * recorded now (nobody resumes from it directly, so its kind is never learnt, and it must not wait for it). */
function child(x: object, t: number, owner: number): number {
  const v = Stamp.of(x);
  if (v >= 0) return idOf(v);
  const f = ++nextId;
  Stamp.set(x, f * 4 + FUT);
  futRecord(t, f, Kind.Future, owner, -1, -1);
  return f;
}

function futRecord(t: number, id: number, kind: Kind, owner: number, site: number, children: number): void {
  if (bi + 7 > SEGMENT) rotate(false);
  const i = bi;
  b[i] = Op.Fut;
  b[i + 1] = t;
  b[i + 2] = id;
  b[i + 3] = kind;
  b[i + 4] = owner;
  b[i + 5] = site;
  b[i + 6] = children;
  bi = i + 7;
}

/** The children of a gather or wait future, filled by its combinator; a short list travels in the record itself
 * (a list in the chunk's texts would be copied into the writer's message, object by object). */
const kids: number[] = [];
const INLINE_KIDS = 1024;

function combinatorRecord(t: number, id: number, kind: Kind, owner: number): void {
  const n = kids.length;
  if (n > INLINE_KIDS) {
    futRecord(t, id, kind, owner, -1, strs.push(kids.slice()) - 1);
    return;
  }
  if (bi + 7 + n > SEGMENT) rotate(false);
  futRecord(t, id, kind, owner, -1, -2 - n);
  for (let k = 0; k < n; k++) b[bi + k] = kids[k];
  bi += n;
}

function setRecord(t: number, fut: number, via: number, by: number, state: number, text: number): void {
  if (bi + 7 > SEGMENT) rotate(false);
  const i = bi;
  b[i] = Op.Set;
  b[i + 1] = t;
  b[i + 2] = fut;
  b[i + 3] = via;
  b[i + 4] = by;
  b[i + 5] = state;
  b[i + 6] = text;
  bi = i + 7;
}

/** A resumed task's awaited future was resolved (once per future, by its first waiter to resume): by the task that
 * ran last in this callback, or the callback. */
function resolved(t: number, k: Task, state: number): void {
  const fut = k.pend;
  const obj = k.pendObj;
  k.pend = 0;
  k.pendObj = null;
  if (obj !== null) {
    if (Stamp.of(obj) % 4 === FUT_SET) return;
    Stamp.set(obj, fut * 4 + FUT_SET);
  }
  // Settled before it was awaited, by the task itself, counts as by that task too.
  const via = lastStepTask !== 0 ? Via.Task : macroVia;
  const d = deferredFut.get(fut);
  if (d !== undefined) {
    deferredFut.delete(fut);
    const kind = via === Via.Timer ? Kind.Sleep : via === Via.Io ? Kind.Io : Kind.Future;
    futRecord(d[0], fut, kind, d[1], d[2], -1);
  }
  setRecord(t, fut, via, via === Via.Task ? lastStepTask : -1, state, -1);
}

function endRecord(t: number, k: Task, state: number, v: unknown): void {
  if (bi + 7 > SEGMENT) rotate(false);
  const i = bi;
  b[i] = Op.End;
  b[i + 1] = t;
  b[i + 2] = k.id;
  b[i + 3] = state;
  // Numbers (the commonest results) travel in the record itself: no string per task.
  if (state === 1) b[i + 4] = str(errorText(v));
  else if (typeof v === 'number') {
    b[i + 4] = -3;
    b[i + 6] = v;
  } else b[i + 4] = v === undefined ? -1 : str(preview(v));
  b[i + 5] = state === 1 ? k.site : -1;
  bi = i + 7;
}

// ---- what the transformed code calls

function e(site: number, gen?: number): Task {
  const t = perf.now();
  const k = new Task(++nextId, site);
  if (bi + 5 > SEGMENT) rotate(false);
  const i = bi;
  b[i] = Op.Task;
  b[i + 1] = t;
  b[i + 2] = k.id;
  // An async generator's body starts in its consumer's next(), called as the consumer suspends in `for await`.
  b[i + 3] = cur !== null ? cur.id : (gen && lastStepTask) || -1;
  b[i + 4] = site;
  bi = i + 5;
  if (!gen && lastInit !== null) Stamp.set(lastInit, k.id * 4 + TASK);
  lastInit = null;
  enter(k, t);
  return k;
}

function w<X>(k: Task, x: X, site: number, iter?: number): X {
  const t = perf.now();
  let aw = -1;
  if (iter) {
    aw = ++nextId;
    futRecord(t, aw, Kind.Queue, k.id, site, -1);
  } else if (x !== null && (typeof x === 'object' || typeof x === 'function')) {
    aw = awaitable(x as object, t, k.id, site);
    if (!awaitedTask) {
      k.pend = aw;
      k.pendObj = x as object;
    }
  }
  step(t, k, aw, site);
  k.suspended = true;
  leave(k);
  return x;
}

function r<V>(k: Task, v: V): V {
  resume(k, 0);
  return v;
}

function resume(k: Task, state: number): void {
  const t = perf.now();
  if (k.pend !== 0) resolved(t, k, state);
  enter(k, t);
}

/** A catch (rejected: 1) or finally block: if the task was suspended, a rejection resumed it. */
function c(k: Task, rejected?: number): void {
  if (k.suspended) resume(k, rejected ? 1 : 0);
}

function x(k: Task, err: unknown): void {
  if (k.suspended) resume(k, 1);
  const t = perf.now();
  step(t, k, -1, k.site);
  endRecord(t, k, 1, err);
  failed = k;
  leave(k);
}

function f(k: Task, v: unknown): void {
  if (failed === k) {
    failed = null;
    return;
  }
  if (k.suspended) resume(k, 0);
  const t = perf.now();
  if (typeof v === 'object' && v !== null && types.isPromise(v) && Object.getPrototypeOf(v) === PromiseProto) {
    // `return promise`: the function's promise follows it, so the task waits on it and ends when it settles.
    const site = k.ret >= 0 ? k.ret : k.site;
    const aw = awaitable(v, t, k.id, site);
    if (!awaitedTask) {
      k.pend = aw;
      k.pendObj = v;
    }
    step(t, k, aw, site);
    k.suspended = true;
    leave(k);
    apply(promiseThen, v, [(val: unknown) => settled(k, 0, val), (err: unknown) => settled(k, 1, err)]);
    return;
  }
  step(t, k, -1, k.site);
  endRecord(t, k, 0, v);
  leave(k);
}

/** The promise a task returned settled: the task ends with its outcome (in no time of its own). */
function settled(k: Task, state: number, v: unknown): void {
  resume(k, state);
  const t = perf.now();
  step(t, k, -1, k.site);
  endRecord(t, k, state, v);
  leave(k);
}

/** A module's evaluation with top-level await: a task without a promise. */
function m(site: number): Task {
  return e(site, 1);
}

/** An async generator's `yield`: suspended until the consumer asks for the next value (a queue future it sets). */
function y<X>(k: Task, x: X, site: number): X {
  const t = perf.now();
  const fut = ++nextId;
  futRecord(t, fut, Kind.Queue, k.id, site, -1);
  step(t, k, fut, site);
  k.suspended = true;
  k.pend = fut;
  leave(k);
  return x;
}

/** The end of a `for await` iteration: the loop awaits the iterator's next value. */
function i(k: Task, site: number): void {
  w(k, undefined, site, 1);
}

// ---- previews (never run program code: no getters, no toString, no inspect)

const MAX_TEXT = 200;

function clip(s: string): string {
  return s.length > MAX_TEXT ? s.slice(0, MAX_TEXT - 1) + '…' : s;
}

const ObjectProto = Object.prototype;

function ctorName(v: object): string {
  if (types.isProxy(v)) return ''; // (its getPrototypeOf trap is the program's code)
  try {
    const proto = Object.getPrototypeOf(v);
    if (proto === ObjectProto) return 'Object'; // (the commonest: no descriptor to make)
    if (proto === null || types.isProxy(proto)) return '';
    const d = Object.getOwnPropertyDescriptor(proto, 'constructor');
    return d && typeof d.value === 'function' ? ownString(d.value, 'name') : ''; // (a static name getter is code)
  } catch {
    return '';
  }
}

export function preview(v: unknown): string {
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'number':
    case 'boolean':
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'string':
      return clip(JSON.stringify(v));
    case 'symbol':
      return clip(v.toString());
    case 'function':
      return clip(`[Function ${ownString(v, 'name') || '(anonymous)'}]`);
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `Array(${v.length})`;
  const name = ctorName(v as object);
  return name === 'Object' || name === '' ? '{…}' : `${name} {…}`;
}

function ownString(o: object, key: string): string {
  try {
    const d = Object.getOwnPropertyDescriptor(o, key);
    return d && typeof d.value === 'string' ? d.value : '';
  } catch {
    return '';
  }
}

export function errorText(err: unknown): string {
  if (err === null || typeof err !== 'object') return clip(`${typeof err === 'string' ? 'Error' : typeof err}: ${preview(err)}`);
  const name = ownString(err, 'name') || ctorName(err) || 'Error';
  const msg = ownString(err, 'message');
  return clip(msg ? `${name}: ${msg}` : name);
}

// ---- Promise combinators: gather (all, allSettled) and wait (race, any) futures with their children

function patchCombinators(): void {
  const P = Promise as unknown as Record<string, (this: unknown, it: unknown) => Promise<unknown>>;
  const kinds: [string, Kind][] = [['all', Kind.Gather], ['allSettled', Kind.Gather], ['race', Kind.Wait], ['any', Kind.Wait]];
  for (const [name, kind] of kinds) {
    const orig = P[name];
    if (typeof orig !== 'function') continue;
    const wrapped = {
      [name](this: unknown, iterable: unknown): Promise<unknown> {
        const result = apply(orig, this, [iterable]);
        // Children only for arrays (iterating anything else a second time could change what the program sees).
        if (Array.isArray(iterable) && result && typeof result === 'object') {
          const t = perf.now();
          const owner = cur === null ? -1 : cur.id;
          kids.length = 0;
          for (let k = 0; k < iterable.length; k++) {
            const x = iterable[k];
            if (x !== null && typeof x === 'object' && types.isPromise(x)) kids.push(child(x, t, owner));
          }
          const id = ++nextId;
          Stamp.set(result, id * 4 + FUT);
          combinatorRecord(t, id, kind, owner);
        }
        return result;
      },
    }[name];
    Object.defineProperty(wrapped, 'length', { value: orig.length });
    Object.defineProperty(Promise, name, { value: wrapped, writable: true, configurable: true, enumerable: false });
  }
}

// ---- event-loop callbacks

const names = new Map<string, number>();

function nameIndex(name: string): number {
  let k = names.get(name);
  if (k === undefined) {
    k = names.size;
    names.set(name, k);
    newNames.push([k, name]);
  }
  return k;
}

/** Per resource prototype: its callback name index × 4 + its Via; IGNORED (promises, process.nextTick's plain
 * objects, MessagePorts: Node's loader thread and the recorder's writer) or TIMER (named after its callback). */
const IGNORED = -1;
const TIMER = -2;
const protoKinds = new WeakMap<object, number>();
const timerNames = new WeakMap<object, number>();

function protoOf(res: object): object | null {
  try {
    return Object.getPrototypeOf(res);
  } catch {
    return null;
  }
}

function resourceKind(res: object): number {
  const type = ctorName(res);
  if (type === 'Object' || type === 'MessagePort' || type === 'Promise') return IGNORED;
  if (type === 'Timeout' || type === 'Immediate') return TIMER;
  return nameIndex(type || 'callback') * 4 + Via.Io;
}

function timerName(res: object): number {
  const fn = (res as { _onTimeout?: unknown; _onImmediate?: unknown })._onTimeout ?? (res as { _onImmediate?: unknown })._onImmediate;
  if (typeof fn !== 'function') return nameIndex('timer callback');
  let k = timerNames.get(fn);
  if (k === undefined) {
    const prefix = '_onTimeout' in res ? 'timer' : 'setImmediate';
    k = nameIndex(`${prefix} ${ownString(fn, 'name') || 'callback'}`);
    timerNames.set(fn, k);
  }
  return k;
}

/** The recorder's own timers: not the program's callbacks. */
export const ownResources = new WeakSet<object>();
let cbStart = 0;
/** The async id of the callback being timed, -1 outside one (its after() is told it: no second resource lookup). */
let cbId = -1;
let cbName = -1;

function before(asyncId: number): void {
  const res = executionAsyncResource();
  if (typeof res !== 'object' || res === null || res instanceof Promise) return;
  const proto = protoOf(res);
  let kind = proto === null ? undefined : protoKinds.get(proto);
  if (kind === undefined) {
    kind = resourceKind(res);
    if (proto !== null) protoKinds.set(proto, kind);
  }
  if (kind === IGNORED || ownResources.has(res)) return;
  if (kind === TIMER) {
    macroVia = Via.Timer;
    cbName = timerName(res);
  } else {
    macroVia = kind & 3;
    cbName = kind >> 2;
  }
  lastStepTask = 0;
  cbId = asyncId;
  cbStart = perf.now();
  shared[Shared.SliceStart] = cbStart;
}

function after(asyncId: number): void {
  if (cbName < 0 || asyncId !== cbId) return;
  cbId = -1;
  shared[Shared.SliceStart] = 0;
  const t = perf.now();
  if (bi + 4 > SEGMENT) rotate(false);
  b[bi] = Op.Cb;
  b[bi + 1] = cbStart;
  b[bi + 2] = t;
  b[bi + 3] = cbName;
  bi += 4;
  cbName = -1;
}

/** Event-loop callbacks only: Node 24 says so with `trackPromises: false`, Node 22 with an internal symbol on the
 * hook. Node 20 knows neither: enabling a hook installs promise hooks that call it for every promise reaction, which
 * cost more than the rest of the recorder together, so they are not installed (its async_hooks makes them through
 * v8's promiseHooks.createHook, stubbed for the moment of enable()). A hook the program enables later installs
 * them as usual; before() ignores promises then. */
function installLoopHooks(): void {
  const hook = createHook({ before, after, trackPromises: false } as Parameters<typeof createHook>[0]);
  const noPromises = Object.getOwnPropertySymbols(hook).find((s) => s.description === 'kNoPromiseHook');
  if (noPromises) {
    (hook as unknown as Record<symbol, boolean>)[noPromises] = true;
    hook.enable();
    return;
  }
  const hooks = promiseHooks as unknown as { createHook: (...a: unknown[]) => () => void };
  const createPromiseHook = hooks.createHook;
  hooks.createHook = () => () => undefined;
  try {
    hook.enable();
  } finally {
    hooks.createHook = createPromiseHook;
  }
}

// ---- set-up, exit

export interface RuntimeOptions {
  post: (c: Chunk, last: boolean) => void;
  shared: Int32Array;
}

export const runtime = { e, w, r, c, x, f, m, y, i };

export function startRuntime(opts: RuntimeOptions): void {
  post = opts.post;
  shared = opts.shared;
  seg = -1;
  nextSegment();
  promiseHooks.onInit((p) => {
    lastInit = p;
  });
  patchCombinators();
  installLoopHooks();
}

export function registerSite(id: number, file: string, line: number, col: number, func: string): void {
  newSites.push([id, file, line, col, func]);
}

export function registerMap(file: string, map: string): void {
  newMaps.push([file, map]);
}

export function flush(last: boolean): void {
  if (bi > 0 || newSites.length > 0 || newNames.length > 0 || newMaps.length > 0 || last) rotate(last);
}

/** The tasks in a step right now, innermost first (a task calling an async function runs it synchronously, so its
 * caller is in a step too), with each step's start: for a debugger pause, which stops the program mid-step. */
export function inStep(): [number, number][] {
  const out: [number, number][] = [];
  for (const k of [cur, ...stack.slice().reverse()]) if (k !== null) out.push([k.id, k.t0]);
  return out;
}

/** A rejection nobody handled (process 'unhandledRejection'): on the task or future it came from. */
export function unhandled(reason: unknown, promise: unknown): void {
  const t = perf.now();
  let id = -1;
  if (promise !== null && typeof promise === 'object') {
    const v = Stamp.of(promise);
    if (v >= 0) id = idOf(v);
  }
  if (id < 0) {
    id = ++nextId;
    futRecord(t, id, Kind.Future, cur === null ? -1 : cur.id, -1, -1);
    setRecord(t, id, Via.Callback, -1, 1, str(errorText(reason)));
  }
  if (bi + 5 > SEGMENT) rotate(false);
  b[bi] = Op.Warn;
  b[bi + 1] = t;
  b[bi + 2] = 0;
  b[bi + 3] = id;
  b[bi + 4] = str(errorText(reason));
  bi += 5;
}

export function exitRecord(how: number, detail: string | number): void {
  if (bi + 4 > SEGMENT) rotate(false);
  b[bi] = Op.Exit;
  b[bi + 1] = perf.now();
  b[bi + 2] = how;
  b[bi + 3] = typeof detail === 'number' ? -2 - detail : str(detail);
  bi += 4;
}

/** Futures still waiting for their kind when the program ends: plain futures. */
export function settleDeferred(): void {
  for (const [id, [t, owner, site]] of deferredFut) futRecord(t, id, Kind.Future, owner, site, -1);
  deferredFut.clear();
}
