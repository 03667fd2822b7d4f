// A small read-only window into the view for the browser tests and the benchmark (window.__lanes): hit-testing
// in canvas coordinates, the rows, the time ↔ pixel mapping and the messages sent to the host.

import type { ViewMessage } from '../src/protocol/messages.js';
import type { LanesHook } from '../src/protocol/test-hook.js';
import type { App } from './app.js';
import { stateAt } from './hit.js';
import { laneOf } from './lanes.js';
import { ROW_H } from './layout.js';

export function installHook(app: App, messages: ViewMessage[]): void {
  const hook: LanesHook = {
    ready: () => app.model !== null && app.stats.frames > 0,
    rows: () => app.rows.keys.map((key) => {
      const l = app.model!.byKey.get(key)!;
      return { key, label: l.label, sub: l.sub, depth: l.depth, type: l.type };
    }),
    hitTest: (x, y) => {
      const h = app.hit(x, y);
      return h && { lane: h.lane.key, what: h.what, kind: h.what === 'segment' ? h.kind : null, t: h.t };
    },
    stateAt: (key, t) => {
      const lane = app.model ? laneOf(app.model, key) : undefined;
      return lane ? stateAt(lane, t) : null;
    },
    x: (t) => app.vp.x(t),
    y: (key) => {
      const r = app.rows.keys.indexOf(key);
      return r < 0 ? null : r * ROW_H - app.tree.scrollTop + ROW_H / 2;
    },
    view: () => ({ t0: app.vp.t0, t1: app.vp.t1, endNs: app.model?.endNs ?? 0, selected: app.selected, cursorT: app.cursorT, follow: app.follow }),
    stats: () => app.stats,
    messages,
  };
  (window as unknown as { __lanes: LanesHook }).__lanes = hook;
}
