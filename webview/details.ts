// The details pane for the selected lane. All program data goes in as text; sites are "go to source" buttons.

import { formatArgv, formatDuration, formatSite } from '../src/model/format.js';
import { isAutomaticName, taskTitle } from '../src/model/task-label.js';
import type { TaskInfo, TraceIndex, WaitKind } from '../src/model/index.js';
import { endingText, windowOf } from '../src/model/notices.js';
import type { Site } from '../src/model/types.js';
import { outcomeText, wakerText } from './describe.js';
import { h } from './dom.js';
import { findingKind } from '../src/model/finding-kinds.js';
import { icon, OUTCOME_ICON } from './icons.js';
import { futureKey, laneOf, pendingText, type Lane, type LaneModel } from './lanes.js';
import { futureKindWord, futureValue, resolverText } from '../src/model/future-story.js';

/** Longest list shown in the pane; the rest is counted. */
const LIST_MAX = 200;

const more = (n: number): Node => (n > LIST_MAX ? h('p', { class: 'muted' }, `… and ${n - LIST_MAX} more`) : document.createTextNode(''));

export interface DetailsEvents {
  openSource(site: Site): void;
  select(key: string): void;
}

export function renderDetails(el: HTMLElement, model: LaneModel | null, lane: Lane | null, ev: DetailsEvents): void {
  if (!model || !lane) {
    el.replaceChildren(...(model ? traceSummary(model) : []), h('p', { class: 'empty' }, 'Select a lane or a segment to see its details; hover the timeline for a quick look.'));
    return;
  }
  const index = model.index;
  const body = lane.type === 'task' ? taskDetails(index, index.task(lane.id)!, lane, ev, model)
    : lane.story ? futureDetails(model, lane, ev)
    : lane.type === 'group' ? groupDetails(model, lane, ev)
    : lane.type === 'loop' ? loopDetails(index, lane, ev) : threadDetails(index, lane, ev);
  el.replaceChildren(...body, ...findingList(model, lane));
}

/** A "go to source" button; `short` shows only the file's name. */
const siteButton = (site: Site | null, cwd: string | null, short = false): Node =>
  site
    ? h('button', { type: 'button', class: 'link source', title: `Go to source: ${site.file}:${site.line}`, 'data-file': site.file, 'data-line': site.line }, icon('go-to-file'), h('span', { class: 'where' }, short ? `${site.file.split(/[\\/]/).pop()}:${site.line}` : formatSite(site, cwd)))
    : h('span', { class: 'muted' }, 'unknown');

const taskButton = (index: TraceIndex, id: number): Node => {
  const t = index.task(id);
  return h('button', { type: 'button', class: 'link task', 'data-task': id, title: 'Select this task' }, t ? taskTitle(t) : `#${id}`);
};

function row(label: string, ...value: (Node | string)[]): HTMLElement[] {
  return [h('dt', {}, label), h('dd', {}, ...value)];
}

function wireButtons(root: HTMLElement, ev: DetailsEvents): void {
  root.addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button');
    if (!b) return;
    if (b.dataset.file !== undefined) ev.openSource({ id: -1, file: b.dataset.file, line: Number(b.dataset.line), func: '' });
    else if (b.dataset.task !== undefined) ev.select(`task:${b.dataset.task}`);
    else if (b.dataset.key !== undefined) ev.select(b.dataset.key);
  });
}

function taskDetails(index: TraceIndex, task: TaskInfo, lane: Lane, ev: DetailsEvents, model: LaneModel): Node[] {
  const cwd = index.meta.header.cwd;
  const o = lane.outcome!;
  const total = (task.end ?? index.meta.endNs) - task.start;
  const dl = h('dl', { class: 'facts' },
    ...row('Coroutine', task.coro ? `${task.coro}()` : '—'),
    ...row('Task name', isAutomaticName(task.name) ? h('span', {}, task.name, h('span', { class: 'muted' }, ' (automatic)')) : task.name),
    ...row('Task id', `#${task.id}`),
    ...row('Created at', siteButton(task.site, cwd)),
    ...row('Parent', task.parent === null ? 'none (created outside a task)' : taskButton(index, task.parent)),
    ...row('Lifetime', `${formatDuration(task.start)} → ${task.end === null ? pendingText(index) : formatDuration(task.end)} (${formatDuration(total)})`),
    ...row('Outcome', h('span', { class: `outcome ${o.state}` }, icon(OUTCOME_ICON[o.state]), outcomeText(o).slice(2))),
  );
  if (task.raiseSite) dl.append(...row('Raised at', siteButton(task.raiseSite, cwd)));
  if (task.cancelledBy !== null) dl.append(...row('Cancelled by', typeof task.cancelledBy === 'number' ? taskButton(index, task.cancelledBy) : task.cancelledBy));
  if (task.children.length > 0) dl.append(...row('Children', `${task.children.length} task${task.children.length > 1 ? 's' : ''}`));
  const split = h('div', { class: 'split', role: 'img', 'aria-label': `busy ${formatDuration(task.busyNs)}, idle ${formatDuration(task.idleNs)}, scheduled ${formatDuration(task.scheduledNs)}` });
  const sum = Math.max(1, task.busyNs + task.idleNs + task.scheduledNs);
  for (const [cls, ns] of [['running', task.busyNs], ['idle', task.idleNs], ['scheduled', task.scheduledNs]] as const) {
    const part = h('span', { class: `part ${cls}` });
    part.style.width = `${(ns / sum) * 100}%`;
    split.append(part);
  }
  const times = h('dl', { class: 'facts' },
    ...row('Busy', formatDuration(task.busyNs)),
    ...row('Idle', formatDuration(task.idleNs), idleKinds(task.idleByKind)),
    ...row('Scheduled', formatDuration(task.scheduledNs)),
    ...row('Steps', String(task.steps.length)),
  );
  const awaits = h('table', { class: 'grid' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Await site'), h('th', {}, 'Count'), h('th', {}, 'Total wait'), h('th', {}, 'Max'))),
    h('tbody', {}, ...task.awaits.slice(0, LIST_MAX).map((a) => h('tr', {},
      h('td', { class: 'site' }, siteButton(a.site, cwd, true), h('span', { class: 'muted' }, ` ${a.kinds.join(', ')}`)),
      h('td', { class: 'num' }, String(a.count)),
      h('td', { class: 'num' }, formatDuration(a.totalNs)),
      h('td', { class: 'num' }, formatDuration(a.maxNs)),
    ))),
  );
  const wakers = h('ul', { class: 'plain' }, ...task.wakers.slice(0, LIST_MAX).map((w) => h('li', {}, w.by !== null && index.task(w.by) ? taskButton(index, w.by) : wakerText(index, w), h('span', { class: 'muted' }, ` × ${w.count}`))));
  // The futures it awaited that the timeline draws (its diamonds), reachable from here by keyboard.
  const marks = [...new Set((lane.marks ?? []).map((m) => m.key))];
  const futures = h('ul', { class: 'plain' }, ...marks.slice(0, LIST_MAX).map((k) => h('li', {}, laneButton(model, k), h('span', { class: 'muted' }, ` ${laneOf(model, k)?.outcome ? outcomeText(laneOf(model, k)!.outcome!) : ''}`))));
  const out = h('div', {},
    h('h2', { class: 'title' }, icon(OUTCOME_ICON[o.state], `glyph ${o.state}`), lane.label, lane.sub !== null ? h('span', { class: 'sub' }, ` ${lane.sub}`) : ''),
    dl,
    ...(marks.length > 0 ? [h('h3', {}, `Futures awaited (${marks.length})`), futures, more(marks.length)] : []),
    h('h3', {}, 'Time'), split, times,
    h('h3', {}, `Await sites (${task.awaits.length})`), task.awaits.length ? awaits : h('p', { class: 'muted' }, 'none'), more(task.awaits.length),
    h('h3', {}, 'Woken by'), task.wakers.length ? wakers : h('p', { class: 'muted' }, 'nobody (never resumed after a wait)'), more(task.wakers.length),
  );
  wireButtons(out, ev);
  return [out];
}

const laneButton = (model: LaneModel, key: string): Node => {
  const lane = laneOf(model, key);
  return h('button', { type: 'button', class: 'link task', 'data-key': key, title: 'Select this lane' }, lane ? lane.label : key);
};

function futureDetails(model: LaneModel, lane: Lane, ev: DetailsEvents): Node[] {
  const index = model.index;
  const cwd = index.meta.header.cwd;
  const st = lane.story!;
  const f = st.future;
  const o = lane.outcome!;
  const runtime = index.meta.header.runtime;
  const start = lane.segs.start[0] ?? 0;
  const by = resolverText(index, st);
  const dl = h('dl', { class: 'facts' },
    ...row('Kind', futureKindWord(f, runtime), h('span', { class: 'muted' }, ` (${f.kind} #${f.id})`)),
    ...row('Created at', siteButton(f.site, cwd)),
    ...row('Created by', f.owner === null ? 'no task' : taskButton(index, f.owner), h('span', { class: 'muted' }, ` at ${formatDuration(start)}`)),
    ...row('Outcome', h('span', { class: `outcome ${o.state}` }, icon(OUTCOME_ICON[o.state]), st.state === 'pending' ? pendingText(index) : futureValue(st, runtime))),
  );
  if (st.resolvedAt !== null) {
    const task = f.resolvedBy ?? st.lastChild;
    dl.append(...row('Resolved by', task !== null && index.task(task) ? h('span', {}, task === st.lastChild ? 'its last child, ' : '', taskButton(index, task)) : by, h('span', { class: 'muted' }, ` at ${formatDuration(st.resolvedAt)}, ${formatDuration(st.resolvedAt - start)} after it was made`)));
  }
  if (st.work) dl.append(...row('Executor work', `${st.work.fn || 'work'} ${formatDuration(st.work.dur)} on `, laneButton(model, `thread:${st.work.thread}`)));
  if (f.children.length > 0) {
    dl.append(...row('Of', ...f.children.slice(0, LIST_MAX).flatMap((c, i) => [i > 0 ? ', ' : '', index.task(c) ? taskButton(index, c) : laneOf(model, futureKey(c)) ? laneButton(model, futureKey(c)) : `#${c}`])));
  }
  const awaits = h('ul', { class: 'plain' }, ...st.awaits.slice(0, LIST_MAX).map((a) => h('li', {},
    taskButton(index, a.task),
    h('span', { class: 'muted' }, ` from ${formatDuration(a.t)}${a.resumed !== null ? `, resumed at ${formatDuration(a.resumed)} (waited ${formatDuration(a.resumed - a.t)})` : ', never resumed'}`),
  )));
  const callbacks = h('ul', { class: 'plain' }, ...st.callbacks.map((c) => h('li', {}, `${c.name}() at ${formatDuration(c.start)}, ${formatDuration(c.dur)} `, siteButton(c.site, cwd, true))));
  const out = h('div', {},
    h('h2', { class: 'title' }, icon(OUTCOME_ICON[o.state], `glyph ${o.state}`), lane.label),
    dl,
    h('h3', {}, `Awaited by (${st.awaits.length})`), st.awaits.length ? awaits : h('p', { class: 'muted' }, 'no task awaited it'), more(st.awaits.length),
    h('h3', {}, 'Callbacks when it resolved'),
    st.callbacks.length ? callbacks : h('p', { class: 'muted' }, 'none of the program\'s'),
    h('p', { class: 'muted note' }, 'The program\'s loop callbacks that ran after it resolved and before its awaiter resumed: where its done callbacks run (the trace does not link a callback to its future).'),
  );
  wireButtons(out, ev);
  return [out];
}

function groupDetails(model: LaneModel, lane: Lane, ev: DetailsEvents): Node[] {
  const out = h('div', {},
    h('h2', { class: 'title' }, lane.label, lane.sub ? h('span', { class: 'sub' }, ` ${lane.sub}`) : ''),
    h('p', { class: 'muted' }, GROUP_NOTES[lane.key] ?? ''),
    h('ul', { class: 'plain' }, ...lane.childKeys.slice(0, LIST_MAX).map((k) => h('li', {}, laneButton(model, k)))),
    more(lane.childKeys.length),
  );
  wireButtons(out, ev);
  return [out];
}

const GROUP_NOTES: Record<string, string> = {
  'group:internals': 'asyncio\'s own tasks and callbacks (asyncio.run\'s shutdown steps, timers firing sleeps, gather\'s bookkeeping): they ran on the loop, but the program did not write them. This row shows their steps and callbacks.',
  'group:futures': 'The futures the program made or awaited, each from its creation to its resolution, coloured by outcome. A diamond on a task\'s lane marks where a future it awaited was resolved.',
  'group:futures-folded': 'Folded: gather, run_in_executor and similar futures that one task awaited: that task\'s lane already shows the wait, and a diamond on it opens the future.',
};

function idleKinds(by: Partial<Record<WaitKind, number>>): Node {
  const parts = Object.entries(by).filter(([, ns]) => (ns ?? 0) > 0).map(([k, ns]) => `${k} ${formatDuration(ns!)}`);
  return h('span', { class: 'muted' }, parts.length ? ` (${parts.join(', ')})` : '');
}

function findingList(model: LaneModel, lane: Lane): Node[] {
  if (lane.findings.length === 0) return [];
  return [
    h('h3', {}, `Findings (${lane.findings.length})`),
    h('ul', { class: 'plain findings-here' }, ...lane.findings.slice(0, LIST_MAX).map((i) => h('li', {}, icon(findingKind(model.findings[i].kind).icon, `ficon ${model.findings[i].kind}`), h('span', { class: 'kind' }, model.findings[i].kind), ' ', model.findings[i].message))),
    more(lane.findings.length),
  ];
}

function loopDetails(index: TraceIndex, lane: Lane, ev: DetailsEvents): Node[] {
  const cwd = index.meta.header.cwd;
  const blocks = lane.overlay;
  let blockedNs = 0;
  for (let i = 0; i < blocks.count; i++) blockedNs += blocks.end[i] - blocks.start[i];
  let busyNs = 0;
  for (let i = 0; i < lane.segs.count; i++) busyNs += lane.segs.end[i] - lane.segs.start[i];
  const list = h('ul', { class: 'plain' });
  for (let i = 0; i < Math.min(blocks.count, LIST_MAX); i++) {
    const b = index.blocks[blocks.ref[i]];
    list.append(h('li', {}, `${formatDuration(b.dur)} at ${formatDuration(b.start)} `, siteButton(b.sites[0] ?? null, cwd)));
  }
  const out = h('div', {},
    h('h2', { class: 'title' }, lane.label),
    h('dl', { class: 'facts' },
      ...row('Loop id', `#${lane.id}`),
      ...row('Busy', `${formatDuration(busyNs)} in ${lane.segs.count} steps and callbacks`),
      ...row('Blocked', `${formatDuration(blockedNs)} in ${blocks.count} period${blocks.count === 1 ? '' : 's'}`),
    ),
    h('h3', {}, 'Blocked periods'), blocks.count ? list : h('p', { class: 'muted' }, 'none over the threshold'), more(blocks.count),
  );
  wireButtons(out, ev);
  return [out];
}

function threadDetails(index: TraceIndex, lane: Lane, ev: DetailsEvents): Node[] {
  const cwd = index.meta.header.cwd;
  const th = index.threads.find((t) => t.id === lane.id)!;
  const busy = th.work.reduce((a, w) => a + w.dur, 0);
  const out = h('div', {},
    h('h2', { class: 'title' }, lane.label),
    h('dl', { class: 'facts' }, ...row('Thread id', `#${th.id}`), ...row('Work', `${th.work.length} call${th.work.length === 1 ? '' : 's'}, ${formatDuration(busy)} busy`)),
    h('h3', {}, 'Work'),
    h('ul', { class: 'plain' }, ...th.work.slice(0, LIST_MAX).map((w) => h('li', {}, `${w.fn || 'work'} ${formatDuration(w.dur)} `, siteButton(w.site, cwd)))),
    more(th.work.length),
  );
  wireButtons(out, ev);
  return [out];
}

/** What the trace is: program, runtime, length, counts, how it ended. */
function traceSummary(model: LaneModel): Node[] {
  const { header, exit } = model.index.meta;
  const window = windowOf(header);
  const states = { ok: 0, error: 0, cancelled: 0, pending: 0 };
  for (const t of model.index.tasks) states[t.state]++;
  return [
    h('h2', { class: 'title' }, 'Trace'),
    h('dl', { class: 'facts' },
      ...row('Program', formatArgv(header.argv, 2000) || '—'),
      ...row('Runtime', `${header.runtime} ${header.runtimeVersion ?? ''}`.trim()),
      ...row('Started', header.start ?? '—'),
      ...row('Length', formatDuration(model.endNs)),
      ...(window ? row('Window', `${formatDuration(window.from)} → ${window.to < Number.MAX_SAFE_INTEGER ? formatDuration(window.to) : 'the end'} of the whole trace`) : []),
      ...row('Tasks', h('span', { class: 'tally' },
        `${model.index.tasks.length}`,
        ...(['ok', 'error', 'cancelled', 'pending'] as const).map((st) => {
          const word = { ok: 'finished', error: 'failed', cancelled: 'cancelled', pending: pendingText(model.index) }[st];
          return h('span', { class: `outcome ${st}`, title: `${states[st]} ${word}` }, icon(OUTCOME_ICON[st]), String(states[st]), h('span', { class: 'visually-hidden' }, ` ${word}`));
        }),
      )),
      ...row('Findings', String(model.findings.length)),
      ...row('Ended', endingText(exit, window)),
    ),
  ];
}
