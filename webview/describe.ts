// Plain-text descriptions of what is under the pointer (tooltips) and of outcomes. Everything returned is text
// for textContent / fillText: program data is never markup.

import { formatDuration, formatSite } from '../src/model/format.js';
import { taskTitle } from '../src/model/task-label.js';
import type { Resolution, TraceIndex } from '../src/model/index.js';
import { Kind, KINDS } from './kinds.js';
import { laneOf, type Lane, type LaneModel, type Outcome } from './lanes.js';

export interface Described {
  title: string;
  lines: string[];
}

const OUTCOME_GLYPH: Record<Outcome['state'], string> = { ok: '✓', error: '✗', cancelled: '⊘', pending: '…' };

export function outcomeGlyph(o: Outcome): string {
  return OUTCOME_GLYPH[o.state];
}

/** "✓ 'a done'", "✗ ValueError: bad", "⊘ cancelled", "… pending at exit" (or where a pending task was left). */
export function outcomeText(o: Outcome): string {
  switch (o.state) {
    case 'ok': return `✓ ${o.text}`;
    case 'error': return `✗ ${o.text}`;
    case 'cancelled': return o.text ? `⊘ cancelled: ${o.text}` : '⊘ cancelled';
    default: return `… ${o.text}`;
  }
}

export function wakerText(index: TraceIndex, w: Resolution | { by: number | null; via: string | null } | null): string {
  if (!w) return 'unknown';
  if (w.by !== null) {
    const t = index.task(w.by);
    return t ? `task ${taskTitle(t)}` : `task #${w.by}`;
  }
  return w.via ?? 'unknown';
}

/** What awaitable `id` is: "task Task-3 fetch()", "sleep future #6". */
export function awaitedText(index: TraceIndex, id: number | null): string {
  if (id === null) return 'a bare yield';
  const t = index.task(id);
  if (t) return `task ${taskTitle(t)}`;
  const f = index.future(id);
  return f ? `${f.kind} #${id}` : `awaitable #${id}`;
}

export function describeSegment(index: TraceIndex, lane: Lane, seg: number, overlay: boolean): Described {
  const s = overlay ? lane.overlay : lane.segs;
  const kind = s.kind[seg] as Kind;
  const ref = s.ref[seg];
  const dur = formatDuration(s.end[seg] - s.start[seg]);
  const at = `${formatDuration(s.start[seg])} → ${formatDuration(s.end[seg])}`;
  const cwd = index.meta.header.cwd;
  if (kind === Kind.Blocked) {
    const b = index.blocks[ref];
    const by = b.task !== null ? `task ${taskTitle(index.task(b.task) ?? { name: `#${b.task}`, coro: '' })}` : b.callback ? `callback ${b.callback}` : 'a callback';
    return { title: `Loop blocked ${dur}`, lines: [`by ${by}`, ...b.sites.slice(0, 3).map((x) => `at ${formatSite(x, cwd)} ${x.func}`), at] };
  }
  if (lane.type === 'thread') {
    const w = index.work[ref];
    return { title: `${w.fn || 'work'} — ${dur}`, lines: [`executor work on ${lane.label}`, `called at ${formatSite(w.site, cwd)}`, at] };
  }
  if (lane.story) return describeFuture(index, lane);
  if (lane.type === 'loop' || lane.type === 'group') {
    if (kind === Kind.Callback) {
      const c = index.callbacks[ref];
      return { title: `Callback ${c.name} — ${dur}`, lines: [`at ${formatSite(c.site, cwd)}`, at] };
    }
    const t = index.task(ref);
    return { title: `Step of ${t ? taskTitle(t) : `task #${ref}`} — ${dur}`, lines: [at] };
  }
  const task = index.task(lane.id)!;
  const name = taskTitle(task);
  if (ref < 0) return { title: `${name}: scheduled ${dur}`, lines: ['created, waiting for its first step', at] };
  const step = task.steps[ref];
  const n = `step ${ref + 1} of ${task.steps.length}`;
  if (kind === Kind.Running) {
    return { title: `${name}: running ${dur}`, lines: [`${n}, then ${step.awaited === null ? 'ended or yielded' : `awaits ${awaitedText(index, step.awaited)}`}`, `at ${formatSite(step.site, cwd)}`, at] };
  }
  if (kind === Kind.Scheduled) {
    const why = step.awaitKind === 'yield' ? 'after a bare yield' : `woken by ${wakerText(index, step.wake)}`;
    return { title: `${name}: scheduled ${dur}`, lines: [`${why}, waiting for the loop`, at] };
  }
  const outcome = step.wake ? `${step.wake.state} at ${formatDuration(step.wake.t)}, by ${wakerText(index, step.wake)}` : 'never resolved';
  return {
    title: `${name}: ${KINDS[kind].label} ${dur}`,
    lines: [`awaits ${awaitedText(index, step.awaited)} at ${formatSite(step.site, cwd)}`, `resolved: ${outcome}`, at],
  };
}

/** A future: what it is, where it was made, how and by whom it was resolved, who awaited it, what ran after. */
export function describeFuture(index: TraceIndex, lane: Lane): Described {
  const st = lane.story!;
  const f = st.future;
  const cwd = index.meta.header.cwd;
  const owner = f.owner !== null ? index.task(f.owner) : undefined;
  const made = `made at ${formatSite(f.site, cwd)}${owner ? ` by ${taskTitle(owner)}` : ''}`;
  const awaiters = [...new Set(st.awaits.map((a) => a.task))].map((id) => index.task(id)).filter((t) => t !== undefined).map((t) => taskTitle(t));
  const lines = [made, `${outcomeText(lane.outcome!)}${st.resolvedAt !== null ? ` at ${formatDuration(st.resolvedAt)}` : ''}`];
  lines.push(awaiters.length > 0 ? `awaited by ${awaiters.join(', ')}` : 'awaited by no task');
  return { title: lane.label, lines };
}

/** The future lane a mark on an awaiting lane stands for. */
export function describeMark(model: LaneModel, key: string): Described {
  const lane = laneOf(model, key);
  return lane?.story ? describeFuture(model.index, lane) : { title: key, lines: [] };
}
