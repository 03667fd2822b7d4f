// The lane rasterizer (webview/rects.ts) in isolation: culling to the viewport, whole-pixel rectangles that never
// overlap (at most one per pixel column), and the strongest kind winning a crowded pixel.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Kind } from '../../webview/kinds.js';
import { laneRects } from '../../webview/rects.js';
import { SegmentBuilder, segmentAt } from '../../webview/segments.js';
import { Viewport } from '../../webview/viewport.js';
import { rng } from '../unit/helpers.js';

function viewport(t0: number, span: number, width: number): Viewport {
  const vp = new Viewport();
  vp.t0 = t0;
  vp.span = span;
  vp.width = width;
  return vp;
}

function rects(b: SegmentBuilder, vp: Viewport) {
  const out: { x0: number; x1: number; kind: number }[] = [];
  const n = laneRects(b.finish(), vp, (x0, x1, kind) => out.push({ x0, x1, kind }));
  assert.equal(n, out.length);
  return out;
}

describe('lane rectangles', () => {
  it('draws wide segments at their pixels and culls what is outside the view', () => {
    const b = new SegmentBuilder();
    b.push(0, 100, Kind.Running, 0);
    b.push(100, 300, Kind.WaitSleep, 0);
    b.push(300, 400, Kind.Scheduled, 0);
    b.push(5000, 6000, Kind.Running, 1);
    assert.deepEqual(rects(b, viewport(0, 1000, 100)), [
      { x0: 0, x1: 10, kind: Kind.Running },
      { x0: 10, x1: 30, kind: Kind.WaitSleep },
      { x0: 30, x1: 40, kind: Kind.Scheduled },
    ]);
    assert.deepEqual(rects(b, viewport(150, 100, 100)), [{ x0: 0, x1: 100, kind: Kind.WaitSleep }]);
  });

  it('never puts two rectangles on one pixel column, whatever the segments (random lanes)', () => {
    const rand = rng(42);
    for (let trial = 0; trial < 200; trial++) {
      const b = new SegmentBuilder();
      let t = 0;
      const n = 1 + Math.floor(rand() * 3000);
      for (let i = 0; i < n; i++) {
        const gap = rand() < 0.3 ? rand() * 50 : 0;
        const dur = rand() < 0.1 ? rand() * 5000 : rand() * 20;
        t += gap;
        b.push(t, t + dur, Math.floor(rand() * 14), i);
        t += dur;
      }
      const width = 50 + Math.floor(rand() * 1500);
      const vp = viewport(rand() * t * 0.5 - t * 0.1, t * (0.05 + rand()), width);
      const out = rects(b, vp);
      let right = 0;
      for (const r of out) {
        assert.ok(Number.isInteger(r.x0) && Number.isInteger(r.x1), 'whole pixels');
        assert.ok(r.x0 >= right && r.x1 > r.x0 && r.x1 <= width, `no overlap: ${JSON.stringify(r)} after ${right}`);
        right = r.x1;
      }
      assert.ok(out.length <= width);
    }
  });

  it('a crowded pixel shows its strongest kind: a blocked or running sliver is not lost in waiting', () => {
    const b = new SegmentBuilder();
    for (let i = 0; i < 1000; i++) b.push(i * 10, i * 10 + 9, i === 500 ? Kind.Running : Kind.WaitSleep, i);
    const out = rects(b, viewport(0, 10_000, 10));
    assert.equal(out.length, 3);
    assert.deepEqual(out.map((r) => r.kind), [Kind.WaitSleep, Kind.Running, Kind.WaitSleep]);
  });

  it('finds the segment at a time, also where segments overlap', () => {
    const b = new SegmentBuilder();
    b.push(0, 1000, Kind.Callback, 0);
    b.push(10, 20, Kind.Running, 1);
    b.push(30, 40, Kind.Running, 2);
    const s = b.finish();
    assert.equal(s.ref[segmentAt(s, 15)], 1);
    assert.equal(s.ref[segmentAt(s, 25)], 0);
    assert.equal(s.ref[segmentAt(s, 30)], 2);
    assert.equal(segmentAt(s, 1000), -1);
  });
});
