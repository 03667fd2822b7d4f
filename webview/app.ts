// The timeline controller: holds the view state, turns host messages and user input into state changes, and
// redraws once per animation frame when something changed.

import type { HostMessage, ViewMessage, ViewState } from '../src/protocol/messages.js';
import { LiveTrace } from '../src/model/live-trace.js';
import { windowCommand } from '../src/model/timeline-budget.js';
import type { Site } from '../src/model/types.js';
import { describeMark, describeSegment, outcomeText } from './describe.js';
import { renderDetails } from './details.js';
import { byId } from './dom.js';
import { edgesFor, type Edge } from './edges.js';
import { FindingsList } from './findings-list.js';
import { icon, loadIconFont } from './icons.js';
import { formatDuration } from './format.js';
import { hitTest, type Hit } from './hit.js';
import { buildLanes, FOLDED_KEY, laneOf, taskKey, type LaneModel } from './lanes.js';
import { AXIS_H, ROW_H } from './layout.js';
import { drawAxis, drawLanes, type FrameStats, type Scene } from './render.js';
import { isFiltering, NO_FILTER, visibleRows, type Filter, type Rows } from './rows.js';
import { ScopeBar } from './scope-bar.js';
import { readTheme, watchTheme, type Theme } from './theme.js';
import { Tooltip } from './tooltip.js';
import { TaskTree } from './tree.js';
import { Viewport } from './viewport.js';

export class App {
  readonly vp = new Viewport();
  readonly trace = new LiveTrace(() => performance.now());
  model: LaneModel | null = null;
  rows: Rows = { keys: [], context: new Set() };
  collapsed = new Set<string>();
  filter: Filter = NO_FILTER;
  selected: string | null = null;
  activeFinding = -1;
  cursorT: number | null = null;
  hover: { x: number; y: number } | null = null;
  follow = false;
  live = false;
  /** Inside VS Code (the host opens time windows) or a plain browser (the CLI does). */
  host: 'vscode' | 'browser' = 'browser';
  /** The host's path of the trace (VS Code), kept in the view state. */
  file: string | undefined;
  /** A view state to restore when the first trace arrives (the page was reloaded). */
  restore: ViewState | null = null;
  /** Called after each frame drawn: the view state may have changed. */
  onViewChange: () => void = () => undefined;
  /** The view shows the whole trace (kept so when it grows while following). */
  private fitted = true;
  private edges: Edge[] = [];
  /** Groups collapsed by default once: a group the user opened stays open when a live trace grows. */
  private defaulted = new Set<string>();
  private theme: Theme;
  private listVersion = 0;
  private frameRequested = false;
  private rebuildTimer: ReturnType<typeof setTimeout> | null = null;
  /** The name of the trace, for the command that opens a time window of it. */
  private name = '';
  private readonly axis = byId<HTMLCanvasElement>('axis');
  private readonly canvas = byId<HTMLCanvasElement>('lanes');
  private readonly wrap = byId<HTMLElement>('canvas-wrap');
  readonly tree: TaskTree;
  private readonly tooltip = new Tooltip(byId('tooltip'));
  private readonly findingsList: FindingsList;
  private readonly scopeBar = new ScopeBar(() => this.setFilter({ ...this.filter, tasks: null }));
  /** A code lens's first task, selected once the trace holding it is read. */
  private scopeSelect: number | null = null;
  /** For the test hook and the benchmark. */
  readonly stats = { frames: 0, lastFrameMs: 0, firstFrameAt: 0, parseMs: 0, buildMs: 0, last: { rects: 0, rows: 0 } as FrameStats, loads: 0, appends: 0 };

  constructor(private readonly post: (m: ViewMessage) => void) {
    this.theme = readTheme(document.body);
    watchTheme(() => {
      this.theme = readTheme(document.body);
      this.invalidate();
    });
    this.tree = new TaskTree(byId('tree'), byId('tree-spacer'), { select: (k) => this.select(k), toggle: (k) => this.toggle(k) });
    byId('tree').addEventListener('scroll', () => this.invalidate());
    this.findingsList = new FindingsList(byId('findings-list'), byId('findings-count'), (i) => this.chooseFinding(i));
    new ResizeObserver(() => this.resize()).observe(this.wrap);
    this.resize();
    // The canvas draws outcome markers with the icon font once it is there.
    loadIconFont(() => this.invalidate());
  }

  receive(m: HostMessage): void {
    const started = performance.now();
    if (m.type === 'load') {
      if (m.live !== undefined) {
        this.live = m.live;
        this.setFollow(m.live && (m.follow ?? true));
      }
      if (m.file !== undefined) this.file = m.file;
      this.trace.load(m.text, this.live);
      this.stats.parseMs += performance.now() - started;
      this.showName(m.name);
      this.stats.loads++;
      this.model = null;
      if (!m.more) this.rebuild(true);
    } else if (m.type === 'append') {
      this.trace.append(m.text);
      this.stats.parseMs += performance.now() - started;
      if (m.more) return;
      this.stats.appends++;
      this.scheduleRebuild();
    } else if (m.type === 'ended') {
      this.live = false;
      this.trace.ended();
      this.renderNotices();
    } else if (m.type === 'tooBig') {
      this.showName(m.name);
      this.trace.tooBig(m.bytes, m.budget, m.endNs);
      this.live = false;
      this.setFollow(false);
      this.model = null;
      this.rows = { keys: [], context: new Set() };
      this.renderSide();
      this.renderNotices();
    } else if (m.type === 'showTasks') {
      this.setFilter({ ...this.filter, tasks: { ids: new Set(m.taskIds), label: m.label, total: Math.max(m.total ?? 0, m.taskIds.length) } });
      this.scopeSelect = m.taskIds[0] ?? null;
      this.selectScoped();
    } else if (m.type === 'select') {
      this.select(m.taskId === null ? null : taskKey(m.taskId));
      if (m.time === null) this.setCursor(null);
      else if (m.time !== undefined) this.showTime(m.time);
    } else {
      this.trace.fail(m.message);
      this.renderNotices();
    }
  }

  private showName(name: string): void {
    this.name = name;
    byId('trace-name').textContent = name;
    document.title = `${name} — Async Lanes`;
  }

  /** What a reloaded page needs to look the same. */
  viewState(): ViewState {
    return { file: this.file, selected: this.selected, t0: this.vp.t0, span: this.vp.span, collapsed: [...this.collapsed], follow: this.follow };
  }

  private applyRestore(s: ViewState): void {
    this.collapsed = new Set(s.collapsed.filter((k) => this.model!.byKey.has(k)));
    if (s.selected !== null && laneOf(this.model!, s.selected)) {
      this.selected = s.selected;
      this.post({ type: 'selected', taskId: this.selectedTask() });
    }
    if (Number.isFinite(s.t0) && s.span > 0) {
      this.vp.t0 = s.t0;
      this.vp.span = s.span;
      this.fitted = false;
    }
    this.setFollow(this.live && s.follow);
  }

  /** Rebuilds after appended text, paced by the trace (a large trace that keeps growing must not keep the UI busy). */
  private scheduleRebuild(): void {
    if (this.rebuildTimer !== null) return;
    const wait = this.trace.rebuildDelay();
    if (wait <= 0) return this.rebuild(this.model === null);
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = null;
      this.rebuild(this.model === null);
    }, wait);
  }

  private rebuild(first: boolean): void {
    const prevEnd = this.model?.endNs ?? 0;
    const started = performance.now();
    const analysis = this.trace.analyse();
    this.model = analysis && buildLanes(analysis.index, analysis.findings);
    this.stats.buildMs = performance.now() - started;
    this.renderNotices();
    if (!this.model) return;
    if (this.selected && !laneOf(this.model, this.selected)) this.selected = null;
    // A reloaded page shows what it showed before; otherwise the first trace is fitted, and a growing one followed.
    const restore = first ? this.restore : null;
    this.restore = null;
    if (restore) this.applyRestore(restore);
    for (const key of this.model.collapsedByDefault) {
      if (this.defaulted.has(key) || !this.model.byKey.has(key)) continue;
      this.defaulted.add(key);
      if (!restore) this.collapsed.add(key);
    }
    this.refreshRows();
    this.selectScoped();
    if (restore) this.tree.reveal(Math.max(0, this.rows.keys.indexOf(this.selected ?? '')));
    else if (first || (this.follow && this.fitted)) this.fitAll(false);
    else if (this.follow && this.vp.t1 >= prevEnd) this.vp.t0 = Math.max(this.vp.t0, this.model.endNs + this.vp.span * 0.02 - this.vp.span);
    this.edges = edgesFor(this.model, this.selected);
    this.renderSide();
  }

  private renderNotices(): void {
    const el = byId('notices');
    el.replaceChildren(...this.trace.notices().map((n) => {
      const d = document.createElement('div');
      d.className = `notice ${n.level}`;
      const text = document.createElement('div');
      text.textContent = n.text;
      d.append(icon(n.level === 'error' ? 'error' : n.level === 'warning' ? 'warning' : 'info'), text);
      return d;
    }));
    document.body.classList.toggle('too-big', this.trace.oversize);
    if (this.trace.oversize) el.querySelector('.notice > div')?.append(this.windowWay());
    this.invalidate();
  }

  /** How to open a time window of a trace too big for the timeline: a button in VS Code, the command in a browser. */
  private windowWay(): HTMLElement {
    const way = document.createElement('span');
    way.id = 'window-way';
    if (this.host === 'vscode') {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Open Time Window…';
      b.addEventListener('click', () => this.post({ type: 'openWindow' }));
      way.append(b);
    } else {
      const code = document.createElement('code');
      code.textContent = windowCommand(this.name);
      way.append('Run ', code, ' (--from and --to: 12.5s, 250ms, 2min…).');
    }
    return way;
  }

  /** Selects the code lens's first task once the view has it. */
  private selectScoped(): void {
    if (this.scopeSelect === null || !this.model?.byKey.has(taskKey(this.scopeSelect))) return;
    this.select(taskKey(this.scopeSelect));
    this.scopeSelect = null;
  }

  refreshRows(): void {
    if (!this.model) return;
    // A filter looks at every lane, and an opened folded group shows its lanes: both need them built.
    if (!this.collapsed.has(FOLDED_KEY) || isFiltering(this.filter)) this.model.unfold();
    this.rows = visibleRows(this.model, this.collapsed, this.filter);
    this.renderScope();
    byId('row-count').textContent = `${this.rows.keys.length} / ${this.model.total}`;
    this.listVersion++;
    this.invalidate();
  }

  private renderSide(): void {
    const lane = this.selected ? this.model?.byKey.get(this.selected) ?? null : null;
    renderDetails(byId('details'), this.model, lane, { openSource: (s) => this.openSource(s), select: (k) => this.select(k) });
    this.findingsList.render(this.model, this.activeFinding);
  }

  openSource(site: Site): void {
    this.post({ type: 'openSource', file: site.file, line: site.line });
  }

  selectedTask(): number | null {
    const lane = this.selected ? this.model?.byKey.get(this.selected) : undefined;
    return lane?.type === 'task' ? lane.id : null;
  }

  select(key: string | null, reveal = true): void {
    if (!this.model || (key !== null && !laneOf(this.model, key))) return;
    const before = this.selectedTask();
    this.selected = key;
    if (this.selectedTask() !== before) this.post({ type: 'selected', taskId: this.selectedTask() });
    if (key !== null && !this.rows.keys.includes(key)) {
      // Show it: expand its ancestors (and drop a filter that hides it).
      for (let p = this.model.byKey.get(key)!.parentKey; p !== null; p = this.model.byKey.get(p)!.parentKey) this.collapsed.delete(p);
      this.refreshRows();
      if (!this.rows.keys.includes(key)) {
        this.setFilter(NO_FILTER);
        this.syncFilterControls();
      }
    }
    const r = key === null ? -1 : this.rows.keys.indexOf(key);
    if (reveal && r >= 0) this.tree.reveal(r);
    this.edges = edgesFor(this.model, this.selected);
    this.listVersion++;
    this.renderSide();
    this.invalidate();
  }

  /** Moves the selection `delta` rows (arrow keys). */
  moveSelection(delta: number): void {
    const keys = this.rows.keys;
    if (keys.length === 0) return;
    const r = this.selected === null ? -1 : keys.indexOf(this.selected);
    const next = r < 0 ? (delta > 0 ? 0 : keys.length - 1) : Math.max(0, Math.min(keys.length - 1, r + delta));
    this.select(keys[next]);
  }

  toggle(key: string, open?: boolean): void {
    const lane = this.model?.byKey.get(key);
    if (!lane || lane.childKeys.length === 0) return;
    const collapse = open === undefined ? !this.collapsed.has(key) : !open;
    if (collapse) this.collapsed.add(key);
    else this.collapsed.delete(key);
    this.refreshRows();
  }

  /** The bar of a code lens's filter: how many of its tasks are shown. */
  private renderScope(): void {
    const scope = this.filter.tasks;
    if (scope === null || !this.model) return this.scopeBar.render(null, 0, 0);
    let present = 0;
    for (const id of scope.ids) if (this.model.byKey.has(taskKey(id))) present++;
    this.scopeBar.render(scope, present, this.rows.keys.length - this.rows.context.size);
  }

  setFilter(f: Filter): void {
    this.filter = f;
    this.refreshRows();
  }

  syncFilterControls(): void {
    byId<HTMLInputElement>('search').value = this.filter.text;
    byId<HTMLSelectElement>('state-filter').value = this.filter.state;
    byId<HTMLSelectElement>('finding-filter').value = this.filter.finding;
  }

  chooseFinding(i: number): void {
    const f = this.model?.findings[i];
    if (!f || !this.model) return;
    this.activeFinding = i;
    const key = f.taskId !== null && this.model.byKey.has(taskKey(f.taskId)) ? taskKey(f.taskId) : this.model.order[0] ?? null;
    this.select(key);
    this.showTime(f.time, f.durationNs ?? 0);
    this.renderSide();
  }

  /** Puts the time cursor at `t` and brings [t, t + dur] into view. */
  showTime(t: number, dur = 0): void {
    if (dur > this.vp.span * 0.8 || t < this.vp.t0 || t + dur > this.vp.t1) {
      if (dur > 0) this.vp.fit(t, t + dur);
      else this.vp.t0 = t - this.vp.span / 2;
      this.userMoved();
    }
    this.setCursor(t);
  }

  // --- view changes (from input.ts) ---

  zoomBy(factor: number, x = this.vp.width / 2): void {
    if (!this.model) return;
    this.vp.zoom(factor, x, this.model.endNs);
    this.userMoved();
  }

  panBy(dx: number): void {
    this.vp.panPixels(dx);
    this.userMoved();
  }

  scrollBy(dy: number): void {
    this.tree.scrollTop += dy;
  }

  fitAll(user = true): void {
    if (!this.model) return;
    this.vp.fit(0, Math.max(this.model.endNs, 1));
    this.fitted = true;
    if (user && this.live) this.setFollow(true);
    this.invalidate();
  }

  setFollow(on: boolean): void {
    this.follow = on;
    byId('follow').setAttribute('aria-pressed', String(on));
    if (on && this.model && this.vp.t1 < this.model.endNs) this.vp.t0 = this.model.endNs + this.vp.span * 0.02 - this.vp.span;
    this.invalidate();
  }

  private userMoved(): void {
    this.fitted = false;
    if (this.follow && this.model && this.vp.t1 < this.model.endNs) this.setFollow(false);
    this.invalidate();
  }

  setCursor(t: number | null): void {
    this.cursorT = t;
    this.listVersion++;
    this.invalidate();
  }

  setHover(p: { x: number; y: number } | null): void {
    this.hover = p;
    const hit = p && this.hit(p.x, p.y);
    if (!p || !hit || hit.what === 'lane') this.tooltip.hide();
    else {
      const { title, lines } = this.describe(hit);
      this.tooltip.show(p.x, p.y, title, lines, { width: this.vp.width, height: this.wrap.clientHeight });
    }
    this.invalidate();
  }

  /** A click on the lanes: select what is there; on the loop lane, the task whose step (or block) it is. */
  click(x: number, y: number): void {
    const hit = this.hit(x, y);
    if (!hit) return;
    if (hit.what === 'finding') return this.chooseFinding(hit.finding);
    if (hit.what === 'future') return this.select(hit.future);
    const index = this.model!.index;
    let task: number | null = null;
    if (hit.what === 'segment' && (hit.lane.type === 'loop' || hit.lane.type === 'group')) {
      if (hit.overlay) task = index.blocks[hit.lane.overlay.ref[hit.seg]].task;
      else if (hit.kind === 'running') task = hit.lane.segs.ref[hit.seg];
    }
    this.select(task !== null && index.task(task) ? taskKey(task) : hit.lane.key, false);
  }

  hit(x: number, y: number): Hit | null {
    return this.model ? hitTest(this.model, this.rows.keys, this.tree.scrollTop, this.vp, x, y) : null;
  }

  describe(hit: Hit): { title: string; lines: string[] } {
    const index = this.model!.index;
    if (hit.what === 'segment') return describeSegment(index, hit.lane, hit.seg, hit.overlay);
    if (hit.what === 'finding') {
      const f = this.model!.findings[hit.finding];
      return { title: f.kind, lines: [f.message] };
    }
    if (hit.what === 'future') return describeMark(this.model!, hit.future);
    if (hit.what === 'outcome') return { title: hit.lane.label, lines: [outcomeText(hit.lane.outcome!), `at ${formatDuration(hit.lane.outcome!.t)}`] };
    return { title: hit.lane.label, lines: [] };
  }

  // --- drawing ---

  invalidate(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.draw();
    });
  }

  private resize(): void {
    const w = Math.max(1, this.wrap.clientWidth);
    const hgt = Math.max(1, this.wrap.clientHeight);
    const dpr = window.devicePixelRatio || 1;
    const oldWidth = this.vp.width;
    this.vp.width = w;
    if (oldWidth > 1 && !this.fitted) this.vp.span *= w / oldWidth;
    else if (this.fitted && this.model) this.vp.fit(0, Math.max(this.model.endNs, 1));
    for (const [c, ch] of [[this.canvas, hgt], [this.axis, AXIS_H]] as const) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(ch * dpr);
      c.style.width = `${w}px`;
      c.style.height = `${ch}px`;
      c.getContext('2d')!.setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    this.listVersion++;
    this.invalidate();
  }

  private draw(): void {
    const started = performance.now();
    if (this.model) {
      const scene: Scene = {
        model: this.model,
        rows: this.rows.keys,
        scrollTop: this.tree.scrollTop,
        vp: this.vp,
        height: this.wrap.clientHeight,
        selected: this.selected,
        hoverRow: this.hover ? this.rows.keys[Math.floor((this.hover.y + this.tree.scrollTop) / ROW_H)] ?? null : null,
        hoverX: this.hover?.x ?? null,
        cursorT: this.cursorT,
        edges: this.edges,
        theme: this.theme,
      };
      drawAxis(this.axis.getContext('2d')!, scene);
      this.stats.last = drawLanes(this.canvas.getContext('2d')!, scene);
      this.tree.render({ model: this.model, rows: this.rows.keys, context: this.rows.context, collapsed: this.collapsed, selected: this.selected, cursorT: this.cursorT }, this.listVersion);
      this.renderStatus();
      if (this.stats.firstFrameAt === 0) this.stats.firstFrameAt = performance.now();
    }
    this.stats.frames++;
    this.stats.lastFrameMs = performance.now() - started;
    this.onViewChange();
  }

  private renderStatus(): void {
    const parts = [`view ${formatDuration(Math.max(0, this.vp.t0))} – ${formatDuration(this.vp.t1)} (${formatDuration(this.vp.span)})`];
    if (this.hover) parts.push(`pointer ${formatDuration(this.vp.time(this.hover.x))}`);
    if (this.cursorT !== null) parts.push(`cursor ${formatDuration(this.cursorT)}`);
    byId('status').textContent = parts.join('  ·  ');
  }
}
