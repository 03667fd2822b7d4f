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

/** Returns false when `r` is a known kind with elements of the wrong type (the caller counts it as damaged). */
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
  const at = (): number => {
    const t = (clock.t += dt);
    if (t > data.endNs) data.endNs = t;
    return t;
  };
  const until = (t: number, dur: number): void => {
    if (t + dur > data.endNs) data.endNs = t + dur;
  };
  switch (kind) {
    case 'loop': {
      const [, , loop, event, thread] = r;
      if (!isId(loop) || !isStr(event) || !isOptId(thread)) return false;
      data.loops.push({ t: at(), loop, event, thread: thread ?? null });
      return true;
    }
    case 'task': {
      const [, , id, parent, name, coro, site, loop] = r;
      if (!isId(id) || !isOptId(parent) || !isOptStr(name) || !isOptStr(coro) || !isOptId(site) || !isOptId(loop)) {
        return false;
      }
      data.tasks.push({ t: at(), id, parent: parent ?? null, name: name ?? null, coro: coro ?? '', site: site ?? null, loop: loop ?? null });
      return true;
    }
    case 'name': {
      const [, , id, name] = r;
      if (!isId(id) || !isStr(name)) return false;
      data.names.push({ t: at(), id, name });
      return true;
    }
    case 'step': {
      const [, , id, dur, awaited, site, futKind] = r;
      if (!isId(id) || !isId(dur) || !isOptId(awaited) || !isOptId(site)) return false;
      const t = at();
      until(t, dur);
      data.steps.push({ t, id, dur, awaited: awaited ?? null, site: site ?? null });
      // Optional 7th element: the awaited future was created in this step by this task at `site`, of this kind
      // (instead of a `fut` record).
      if (isStr(futKind) && isId(awaited)) {
        data.futs.push({ t, id: awaited, kind: futKind, owner: id, site: site ?? null, children: [] });
      }
      return true;
    }
    case 'end': {
      const [, , id, state, text, site] = r;
      if (!isId(id) || !isStr(state) || !END_STATES.has(state) || !isOptStr(text) || !isOptId(site)) return false;
      data.ends.push({ t: at(), id, state: state as EndState, text: text ?? '', site: site ?? null });
      return true;
    }
    case 'fut': {
      const [, , id, futKind, owner, site, children] = r;
      if (!isId(id) || !isStr(futKind) || !isOptId(owner) || !isOptId(site)) return false;
      if (children !== null && children !== undefined && !isIds(children)) return false;
      data.futs.push({ t: at(), id, kind: futKind, owner: owner ?? null, site: site ?? null, children: children ?? [] });
      return true;
    }
    case 'set': {
      // ["set", dt, futId, via, byTaskId?, state? ("result"), text?]: the common case is short.
      const [, , id, via, by, state = 'result', text] = r;
      if (!isId(id) || !isOptStr(via) || !isOptId(by) || !isStr(state) || !SET_STATES.has(state) || !isOptStr(text)) {
        return false;
      }
      data.sets.push({ t: at(), id, state: state as SetState, by: by ?? null, via: via ?? null, text: text ?? '' });
      return true;
    }
    case 'cb': {
      const [, , dur, site, name] = r;
      if (!isId(dur) || !isOptStr(name) || !isOptId(site)) return false;
      const t = at();
      until(t, dur);
      data.callbacks.push({ t, dur, name: name ?? null, site: site ?? null });
      return true;
    }
    case 'block': {
      const [, , dur, task, sites, seen, samples] = r;
      if (!isId(dur) || !isOptId(task) || !(sites === null || sites === undefined || isIds(sites))) return false;
      // A sample count that does not add up is left out, not the block.
      const counted = isId(seen) && isId(samples) && seen >= 1 && seen <= samples;
      const t = at();
      until(t, dur);
      data.blocks.push({ t, dur, task: task ?? null, sites: sites ?? [], seen: counted ? seen : null, samples: counted ? samples : null });
      return true;
    }
    case 'thread': {
      const [, , id, name] = r;
      if (!isId(id) || !isOptStr(name)) return false;
      data.threads.push({ t: at(), id, name: name ?? `thread ${id}` });
      return true;
    }
    case 'work': {
      const [, , dur, thread, future, fn, site] = r;
      if (!isId(dur) || !isId(thread) || !isOptId(future) || !isOptStr(fn) || !isOptId(site)) return false;
      const t = at();
      until(t, dur);
      data.works.push({ t, dur, thread, future: future ?? null, fn: fn ?? '', site: site ?? null });
      return true;
    }
    case 'warn': {
      const [, , warnKind, site, task, text] = r;
      if (!isStr(warnKind) || !isOptId(site) || !isOptId(task) || !isOptStr(text)) return false;
      data.warns.push({ t: at(), kind: warnKind, site: site ?? null, task: task ?? null, text: text ?? '' });
      return true;
    }
    case 'notice': {
      // the recorder's own word about the trace (it stopped early): shown with the reader's notices
      const text = r[2];
      if (!isStr(text)) return false;
      at();
      data.notices.push(text);
      return true;
    }
    case 'exit': {
      const [, , how, detail] = r;
      if (!isStr(how) || !(detail === null || detail === undefined || isStr(detail) || isInt(detail))) return false;
      data.exit = { t: at(), how, detail: detail ?? null };
      return true;
    }
    default:
      clock.t += dt;
      return true;
  }
}
