// The visible time window and its mapping to pixels; zoom keeps the time under the pointer in place.

export const MIN_SPAN_NS = 1_000; // 1 µs across the whole width at most zoom

export class Viewport {
  /** Visible window [t0, t0 + span) in ns. */
  t0 = 0;
  span = 1;
  /** Width of the lanes area in CSS pixels. */
  width = 1;

  get t1(): number {
    return this.t0 + this.span;
  }

  x(t: number): number {
    return ((t - this.t0) / this.span) * this.width;
  }

  time(x: number): number {
    return this.t0 + (x / this.width) * this.span;
  }

  /** Shows [from, to] with a small margin on the left and room for outcome labels on the right. */
  fit(from: number, to: number): void {
    const span = Math.max(MIN_SPAN_NS, to - from);
    this.span = span * 1.14;
    this.t0 = from - span * 0.02;
  }

  /** Zooms by `factor` (> 1 zooms in) around pixel `x`. */
  zoom(factor: number, x: number, limit: number): void {
    const at = this.time(x);
    this.span = Math.min(Math.max(this.span / factor, MIN_SPAN_NS), Math.max(limit * 2, MIN_SPAN_NS));
    this.t0 = at - (x / this.width) * this.span;
  }

  panPixels(dx: number): void {
    this.t0 -= (dx / this.width) * this.span;
  }
}
