// Mouse, wheel and keyboard input for the timeline, the axis, the task list and the toolbar.
//   wheel: zoom at the pointer (horizontal trackpad motion pans; Shift+wheel scrolls the lanes)
//   drag: pan (and scroll); click: select; click on the axis: set the time cursor
//   W/S or +/-: zoom; A/D or ←/→: pan; F or 0: fit; ↑/↓: previous/next lane; T: cursor at the pointer;
//   Esc: clear cursor, then a code lens's task filter, then selection; /: search

import type { TaskState } from '../src/model/index.js';
import type { App } from './app.js';
import { byId } from './dom.js';
import type { Filter } from './rows.js';

const ZOOM_STEP = 1.25;
const PAN_FRACTION = 0.15;

export function wireInput(app: App): void {
  const canvas = byId<HTMLCanvasElement>('lanes');
  const axis = byId<HTMLCanvasElement>('axis');
  const local = (e: MouseEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? canvas.clientHeight : 1;
    const dx = e.deltaX * unit;
    const dy = e.deltaY * unit;
    if (e.shiftKey) app.scrollBy(dy || dx);
    else if (Math.abs(dx) > Math.abs(dy)) app.panBy(-dx);
    else app.zoomBy(Math.pow(1.0018, -dy), local(e).x);
  }, { passive: false });

  let drag: { x: number; y: number; moved: boolean } | null = null;
  canvas.addEventListener('mousedown', (e) => {
    if (e.button !== 0) return;
    drag = { ...local(e), moved: false };
    // Leave the search box (if typing there) so the view's keys work; the canvas itself keeps no focus ring.
    (document.activeElement as HTMLElement | null)?.blur();
  });
  window.addEventListener('mousemove', (e) => {
    const p = local(e);
    if (drag) {
      const dx = p.x - drag.x;
      const dy = p.y - drag.y;
      if (drag.moved || Math.abs(dx) + Math.abs(dy) > 3) {
        drag.moved = true;
        canvas.classList.add('dragging');
        app.panBy(dx);
        app.scrollBy(-dy);
        drag.x = p.x;
        drag.y = p.y;
      }
      return;
    }
    if (e.target === canvas) app.setHover(p);
  });
  window.addEventListener('mouseup', (e) => {
    if (drag && !drag.moved && e.target === canvas) app.click(drag.x, drag.y);
    drag = null;
    canvas.classList.remove('dragging');
  });
  canvas.addEventListener('mouseleave', () => app.setHover(null));
  axis.addEventListener('click', (e) => {
    const r = axis.getBoundingClientRect();
    app.setCursor(app.vp.time(e.clientX - r.left));
  });

  byId('zoom-in').addEventListener('click', () => app.zoomBy(ZOOM_STEP * ZOOM_STEP));
  byId('zoom-out').addEventListener('click', () => app.zoomBy(1 / (ZOOM_STEP * ZOOM_STEP)));
  byId('fit').addEventListener('click', () => app.fitAll());
  byId('follow').addEventListener('click', () => app.setFollow(!app.follow));

  const search = byId<HTMLInputElement>('search');
  const state = byId<HTMLSelectElement>('state-filter');
  const finding = byId<HTMLSelectElement>('finding-filter');
  const filterChanged = () => app.setFilter({ ...app.filter, text: search.value, state: state.value as TaskState | 'all', finding: finding.value as Filter['finding'] });
  search.addEventListener('input', filterChanged);
  state.addEventListener('change', filterChanged);
  finding.addEventListener('change', filterChanged);
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      search.value = '';
      filterChanged();
      canvas.focus();
    }
  });

  byId('tree').addEventListener('keydown', (e) => {
    if (treeKey(app, e.key)) e.preventDefault();
  });
  window.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement;
    if (target.closest('input, select, textarea, #tree, #findings-list') || e.ctrlKey || e.metaKey || e.altKey) return;
    if (viewKey(app, e.key)) e.preventDefault();
  });
}

/** Keys of the task list (ARIA tree pattern); false when not handled. */
function treeKey(app: App, key: string): boolean {
  const lane = app.selected ? app.model?.byKey.get(app.selected) : undefined;
  switch (key) {
    case 'ArrowDown': app.moveSelection(1); return true;
    case 'ArrowUp': app.moveSelection(-1); return true;
    case 'Home': app.moveSelection(-Infinity); return true;
    case 'End': app.moveSelection(Infinity); return true;
    case 'ArrowRight':
      if (lane && lane.childKeys.length > 0) {
        if (app.collapsed.has(lane.key)) app.toggle(lane.key, true);
        else app.select(lane.childKeys[0]);
      }
      return true;
    case 'ArrowLeft':
      if (lane && lane.childKeys.length > 0 && !app.collapsed.has(lane.key)) app.toggle(lane.key, false);
      else if (lane?.parentKey) app.select(lane.parentKey);
      return true;
    case 'Enter':
    case ' ':
      if (lane) app.toggle(lane.key);
      return true;
    default:
      return viewKey(app, key);
  }
}

/** Keys of the timeline; false when not handled. */
function viewKey(app: App, key: string): boolean {
  const at = app.hover?.x ?? app.vp.width / 2;
  switch (key) {
    case 'w': case 'W': case '+': case '=': app.zoomBy(ZOOM_STEP, at); return true;
    case 's': case 'S': case '-': case '_': app.zoomBy(1 / ZOOM_STEP, at); return true;
    case 'a': case 'A': case 'ArrowLeft': app.panBy(app.vp.width * PAN_FRACTION); return true;
    case 'd': case 'D': case 'ArrowRight': app.panBy(-app.vp.width * PAN_FRACTION); return true;
    case 'f': case 'F': case '0': app.fitAll(); return true;
    case 'ArrowDown': app.moveSelection(1); return true;
    case 'ArrowUp': app.moveSelection(-1); return true;
    case 't': case 'T': app.setCursor(app.vp.time(at)); return true;
    case '/': byId('search').focus(); return true;
    case 'Escape':
      if (app.cursorT !== null) app.setCursor(null);
      else if (app.filter.tasks !== null) app.setFilter({ ...app.filter, tasks: null });
      else app.select(null);
      return true;
    default:
      return false;
  }
}
