// Decoding of one record line (a JSON array) into TraceData. A record of a known kind is checked element by element
// before anything is stored or the clock moves, so a damaged record changes nothing. Missing optional trailing
// elements read as null; extra elements and unknown kinds are ignored.

import type { EndState, SetState, TraceData } from './types.js';

/** The running clock: `clock` records set it, every timed record's dt moves it. */
export interface Clock {
  t: number;
}

const END_STATES: ReadonlySet<string> = new Set(['ok', 'error', 'cancelled']);
const SET_STATES: ReadonlySet<string> = new Set(['result', 'exception', 'cancelled']);

const TIMED_KINDS: ReadonlySet<string> = new Set(
  ['loop', 'task', 'name', 'step', 'end', 'fut', 'set', 'cb', 'block', 'thread', 'work', 'warn', 'notice', 'exit'],
);

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isId = (v: unknown): v is number => isInt(v) && v >= 0;
const isOptId = (v: unknown): v is number | null | undefined => v === null || v === undefined || isId(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isOptStr = (v: unknown): v is string | null | undefined => v === null || v === undefined || isStr(v);
const isIds = (v: unknown): v is number[] => Array.isArray(v) && v.every(isId);

/** A `fut` record's children: ids, where a negative -d (version 2) is the id d more than the one before it; null when
 * damaged. */
function readIds(v: unknown): number[] | null {
  if (!Array.isArray(v)) return null;
  const ids = new Array<number>(v.length);
  let prev = -1;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!isInt(x)) return null;
    const id = x >= 0 ? x : prev >= 0 ? prev - x : -1;
    if (id < 0 || !Number.isSafeInteger(id)) return null;
    ids[i] = prev = id;
  }
  return ids;
}

/** Moves the clock by a timed record's dt; returns the record's time. */
function advance(clock: Clock, data: TraceData, dt: number): number {
  const t = (clock.t += dt);
  if (t > data.endNs) data.endNs = t;
  return t;
}

/** A record lasting `dur` from `t` extends the trace's end. */
function reach(data: TraceData, t: number, dur: number): void {
  if (t + dur > data.endNs) data.endNs = t + dur;
}

/** Returns false when `r` is a known kind with elements of the wrong type (the caller counts it as damaged). Reads
 * elements by index (no destructuring, no closures: this runs once per record, millions of times). */
export function decodeRecord(r: unknown[], data: TraceData, clock: Clock): boolean {
  const kind = r[0];
  if (!isStr(kind)) return false;
  switch (kind) {
    case 'clock':
      if (!isInt(r[1])) return false;
      clock.t = r[1];
      return true;
    case 'site':
      if (!isId(r[1]) || !isStr(r[2]) || !isInt(r[3]) || !isOptStr(r[4])) return false;
      data.sites.set(r[1], { id: r[1], file: r[2], line: r[3], func: r[4] ?? '' });
      return true;
  }
  // Every other kind is timed: element 1 is dt. An unknown kind (a newer writer's) is ignored, but its dt still
  // moves the clock so that later times stay right.
  const dt = r[1];
  if (!isInt(dt)) return !TIMED_KINDS.has(kind);
  switch (kind) {
    case 'loop': {
      const loop = r[2];
      const event = r[3];
      const thread = r[4];
      if (!isId(loop) || !isStr(event) || !isOptId(thread)) return false;
      data.loops.push({ t: advance(clock, data, dt), loop, event, thread: thread ?? null });
      return true;
    }
    case 'task': {
      const id = r[2];
      const parent = r[3];
      const name = r[4];
      const coro = r[5];
      const site = r[6];
      const loop = r[7];
      // (a number N is asyncio's default name, `Task-N`: version 2)
      if (!isId(id) || !isOptId(parent) || !(isOptStr(name) || isId(name)) || !isOptStr(coro) || !isOptId(site) || !isOptId(loop)) {
        return false;
      }
      const named = typeof name === 'number' ? `Task-${name}` : (name ?? null);
      data.tasks.push({ t: advance(clock, data, dt), id, parent: parent ?? null, name: named, coro: coro ?? '', site: site ?? null, loop: loop ?? null });
      return true;
    }
    case 'name': {
      const id = r[2];
      const name = r[3];
      if (!isId(id) || !isStr(name)) return false;
      data.names.push({ t: advance(clock, data, dt), id, name });
      return true;
    }
    case 'step': {
      const id = r[2];
      const dur = r[3];
      const awaited = r[4];
      const site = r[5];
      const extra = r[6];
      if (!isId(id) || !isId(dur) || !isOptId(awaited) || !isOptId(site)) return false;
      const t = advance(clock, data, dt);
      reach(data, t, dur);
      data.steps.push({ t, id, dur, awaited: awaited ?? null, site: site ?? null });
      // Optional 7th element, a string: the awaited future was created in this step by this task at `site`, of this
      // kind (instead of a `fut` record); awaiting nothing, the task's last step: it ended `ok` at its end, at `site`,
      // with this result (instead of an `end` record; version 2).
      if (isStr(extra)) {
        if (isId(awaited)) data.futs.push({ t, id: awaited, kind: extra, owner: id, site: site ?? null, children: [] });
        else data.ends.push({ t: t + dur, id, state: 'ok', text: extra, site: site ?? null });
      }
      return true;
    }
    case 'end': {
      const id = r[2];
      const state = r[3];
      const text = r[4];
      const site = r[5];
      if (!isId(id) || !isStr(state) || !END_STATES.has(state) || !isOptStr(text) || !isOptId(site)) return false;
      data.ends.push({ t: advance(clock, data, dt), id, state: state as EndState, text: text ?? '', site: site ?? null });
      return true;
    }
    case 'fut': {
      const id = r[2];
      const futKind = r[3];
      const owner = r[4];
      const site = r[5];
      const children = r[6];
      if (!isId(id) || !isStr(futKind) || !isOptId(owner) || !isOptId(site)) return false;
      const ids = children === null || children === undefined ? [] : readIds(children);
      if (ids === null) return false;
      data.futs.push({ t: advance(clock, data, dt), id, kind: futKind, owner: owner ?? null, site: site ?? null, children: ids });
      return true;
    }
    case 'set': {
      // ["set", dt, futId, via, byTaskId?, state? ("result"), text?]: the common case is short.
      const id = r[2];
      const via = r[3];
      const by = r[4];
      const state = r[5] === undefined ? 'result' : r[5];
      const text = r[6];
      if (!isId(id) || !isOptStr(via) || !isOptId(by) || !isStr(state) || !SET_STATES.has(state) || !isOptStr(text)) {
        return false;
      }
      data.sets.push({ t: advance(clock, data, dt), id, state: state as SetState, by: by ?? null, via: via ?? null, text: text ?? '' });
      return true;
    }
    case 'cb': {
      const dur = r[2];
      const site = r[3];
      const name = r[4];
      if (!isId(dur) || !isOptStr(name) || !isOptId(site)) return false;
      const t = advance(clock, data, dt);
      reach(data, t, dur);
      data.callbacks.push({ t, dur, name: name ?? null, site: site ?? null });
      return true;
    }
    case 'block': {
      const dur = r[2];
      const task = r[3];
      const sites = r[4];
      const seen = r[5];
      const samples = r[6];
      if (!isId(dur) || !isOptId(task) || !(sites === null || sites === undefined || isIds(sites))) return false;
      // A sample count that does not add up is left out, not the block.
      const counted = isId(seen) && isId(samples) && seen >= 1 && seen <= samples;
      const t = advance(clock, data, dt);
      reach(data, t, dur);
      data.blocks.push({ t, dur, task: task ?? null, sites: sites ?? [], seen: counted ? seen : null, samples: counted ? samples : null });
      return true;
    }
    case 'thread': {
      const id = r[2];
      const name = r[3];
      if (!isId(id) || !isOptStr(name)) return false;
      data.threads.push({ t: advance(clock, data, dt), id, name: name ?? `thread ${id}` });
      return true;
    }
    case 'work': {
      const dur = r[2];
      const thread = r[3];
      const future = r[4];
      const fn = r[5];
      const site = r[6];
      if (!isId(dur) || !isId(thread) || !isOptId(future) || !isOptStr(fn) || !isOptId(site)) return false;
      const t = advance(clock, data, dt);
      reach(data, t, dur);
      data.works.push({ t, dur, thread, future: future ?? null, fn: fn ?? '', site: site ?? null });
      return true;
    }
    case 'warn': {
      const warnKind = r[2];
      const site = r[3];
      const task = r[4];
      const text = r[5];
      if (!isStr(warnKind) || !isOptId(site) || !isOptId(task) || !isOptStr(text)) return false;
      data.warns.push({ t: advance(clock, data, dt), kind: warnKind, site: site ?? null, task: task ?? null, text: text ?? '' });
      return true;
    }
    case 'notice': {
      // the recorder's own word about the trace (it stopped early): shown with the reader's notices
      const text = r[2];
      if (!isStr(text)) return false;
      advance(clock, data, dt);
      data.notices.push(text);
      return true;
    }
    case 'exit': {
      const how = r[2];
      const detail = r[3];
      if (!isStr(how) || !(detail === null || detail === undefined || isStr(detail) || isInt(detail))) return false;
      data.exit = { t: advance(clock, data, dt), how, detail: detail ?? null };
      return true;
    }
    default:
      clock.t += dt;
      return true;
  }
}

// ---- lines of the common shape, without JSON.parse ----
// Most lines are flat arrays of small integers, nulls and plain strings (`["step",0,1,28082,13,1,"io"]`). Those are
// scanned here straight into a reused array; anything else (a nested array, a fraction or exponent, whitespace, an
// escape, a long string seen for the first time) is left to JSON.parse, so what is read is the same either way.

/** Elements a fast line may have (the longest record, `task`, has 8). */
const FAST_ELEMENTS = 10;
/** Longest new string taken by slicing: V8 copies slices shorter than 13 characters, a longer one would be a view
 * that keeps the whole chunk of text it came from alive for as long as the string is kept (a task's result). */
const FAST_STRING = 12;
/** Longest string kept in `strings` (from a line JSON.parse read, see learnStrings). */
const KEPT_STRING = 64;
/** Digits of an integer read here (any such integer is exact in a double). */
const FAST_DIGITS = 15;

const scratch: unknown[] = new Array<unknown>(FAST_ELEMENTS).fill(undefined);
let scratchUsed = 0;

/** The strings of lines, by a hash of their characters: a line's kind and most of its texts ("io", "None", "<Response
 * [200]>") are one of a few, so they are found here without making a string (and kept once, not once per record).
 * Seeded with the kinds as literals, which compare by identity in decodeRecord's switch. */
const STRING_SLOTS = 1024;
const strings: (string | undefined)[] = new Array<string | undefined>(STRING_SLOTS).fill(undefined);
for (const s of [...TIMED_KINDS, 'clock', 'site', 'result', 'exception', 'cancelled', 'ok', 'error']) keep(s);

function keep(s: string): void {
  let h = 0;
  for (let j = 0; j < s.length; j++) h = (Math.imul(h, 31) + s.charCodeAt(j)) | 0;
  strings[slotOfHash(h)] = s;
}

function slotOfHash(h: number): number {
  return (h ^ (h >>> 10)) & (STRING_SLOTS - 1);
}

/** text[from, to) as a string: the one in `strings` when it has those characters, else a new one kept there when
 * short enough to be a copy (else null). */
function stringAt(text: string, from: number, to: number, h: number): string | null {
  const slot = slotOfHash(h);
  const known = strings[slot];
  if (known !== undefined && known.length === to - from) {
    let j = 0;
    while (j < known.length && known.charCodeAt(j) === text.charCodeAt(from + j)) j++;
    if (j === known.length) return known;
  }
  if (to - from > FAST_STRING) return null;
  const s = text.slice(from, to);
  strings[slot] = s;
  return s;
}

/** Keeps the short strings of a line JSON.parse read (its own copies), so that the next line with the same text
 * (a common result such as "<Response [200]>") is read here. */
export function learnStrings(values: unknown[]): void {
  for (let i = 0; i < values.length && i < FAST_ELEMENTS; i++) {
    const v = values[i];
    if (typeof v === 'string' && v.length > FAST_STRING && v.length <= KEPT_STRING) keep(v);
  }
}

/** Decodes the record line text[from, to) (default: all of it) as decodeRecord does when it is of the common shape;
 * undefined when it is not (parse it as JSON then). Read in place: the line need not be sliced out of its chunk. */
export function decodeLine(text: string, data: TraceData, clock: Clock, from = 0, to = text.length): boolean | undefined {
  const k = scan(text, from, to);
  // Elements past this line's, left from a longer one (or all, after a line that was not of the shape), must read
  // as missing.
  const stale = k < 0 ? FAST_ELEMENTS : scratchUsed;
  for (let m = Math.max(k, 0); m < stale; m++) scratch[m] = undefined;
  scratchUsed = Math.max(k, 0);
  return k < 0 ? undefined : decodeRecord(scratch, data, clock);
}

/** Scans text[from, to), a line of the common shape, into `scratch`: its number of elements, or -1. */
function scan(text: string, from: number, n: number): number {
  if (n - from < 4 || text.charCodeAt(from) !== 0x5b || text.charCodeAt(n - 1) !== 0x5d) return -1;
  let i = from + 1;
  let k = 0;
  for (;;) {
    if (k === FAST_ELEMENTS) return -1;
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i + 1;
      let j = start;
      let h = 0;
      for (;; j++) {
        if (j - start > KEPT_STRING || j >= n) return -1;
        const d = text.charCodeAt(j);
        if (d === 0x22) break;
        // An escape is left to JSON.parse (the characters would not be the string's); so is a raw control character
        // (not JSON: the line is damaged).
        if (d === 0x5c || d < 0x20) return -1;
        h = (Math.imul(h, 31) + d) | 0;
      }
      const str = stringAt(text, start, j, h);
      if (str === null) return -1;
      scratch[k++] = str;
      i = j + 1;
    } else if (c === 0x6e) {
      if (text.charCodeAt(i + 1) !== 0x75 || text.charCodeAt(i + 2) !== 0x6c || text.charCodeAt(i + 3) !== 0x6c) return -1;
      scratch[k++] = null;
      i += 4;
    } else {
      const neg = c === 0x2d;
      const start = neg ? i + 1 : i;
      let j = start;
      let x = 0;
      for (; j < n; j++) {
        const d = text.charCodeAt(j) - 0x30;
        if (d < 0 || d > 9) break;
        x = x * 10 + d;
      }
      const digits = j - start;
      // JSON has no leading zeros; -0 is left to JSON.parse (it reads as -0, not 0).
      if (digits === 0 || digits > FAST_DIGITS || (digits > 1 && text.charCodeAt(start) === 0x30) || (neg && x === 0)) return -1;
      scratch[k++] = neg ? -x : x;
      i = j;
    }
    const sep = text.charCodeAt(i);
    if (sep === 0x5d && i === n - 1) return k;
    if (sep !== 0x2c) return -1;
    i++;
  }
}
