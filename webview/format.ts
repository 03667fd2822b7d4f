// Viewer text helpers on top of the model's: axis ticks with readable units.

import { formatDuration } from '../src/model/format.js';

export { formatDuration };

/** A "nice" tick step (1, 2 or 5 × 10^k ns) giving about `px` pixels between ticks. */
export function tickStep(spanNs: number, widthPx: number, px = 110): number {
  const raw = (spanNs / Math.max(widthPx, 1)) * px;
  const pow = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** A tick label in the unit of the step: "0", "250 ms", "1.5 s". */
export function tickLabel(t: number, step: number): string {
  if (t === 0) return '0';
  const [scale, unit] = step >= 1e9 ? [1e9, 's'] : step >= 1e6 ? [1e6, 'ms'] : step >= 1e3 ? [1e3, 'µs'] : [1, 'ns'];
  const v = t / scale;
  const decimals = Math.max(0, Math.min(3, -Math.floor(Math.log10(step / scale) + 1e-9)));
  return `${v.toFixed(decimals)} ${unit}`;
}
