// Small text helpers shared by the CLI report, the exporters and the viewer.

import type { Site } from './types.js';

const UNITS: [number, string][] = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
];

/** A duration with a unit and three significant digits at most: "850 ns", "12.3 µs", "4.56 ms", "1.20 s". */
export function formatDuration(ns: number): string {
  const abs = Math.abs(ns);
  for (const [scale, unit] of UNITS) {
    if (abs >= scale) {
      const v = ns / scale;
      const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
      return `${v.toFixed(digits)} ${unit}`;
    }
  }
  return `${Math.round(ns)} ns`;
}

/** `file` relative to `cwd` when it lies inside it, else unchanged. Works on / and \ separated paths alike. */
export function displayPath(file: string, cwd: string | null): string {
  if (!cwd) return file;
  const base = cwd.replace(/[\\/]+$/, '');
  if (base === '' || file.length <= base.length + 1 || !file.startsWith(base)) return file;
  const sep = file[base.length];
  return sep === '/' || sep === '\\' ? file.slice(base.length + 1) : file;
}

/** "app.py:12", relative to `cwd` when inside it; "?" for an unknown site. */
export function formatSite(site: Site | null, cwd: string | null): string {
  return site ? `${displayPath(site.file, cwd)}:${site.line}` : '?';
}


/** The program's command line for one line of text: its start when it is long (arguments can be megabytes). */
export function formatArgv(argv: string[], max = 200): string {
  const joined = argv.join(' ');
  return joined.length > max ? `${joined.slice(0, max - 1)}… (${joined.length} characters)` : joined;
}
