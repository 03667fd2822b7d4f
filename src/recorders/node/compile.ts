// What gets instrumented and how: the program's own files (not node_modules, not Node's, not the recorder's), with
// TypeScript compiled first by esbuild (resolved from the async-lanes package: ASYNC_LANES_ESBUILD). Shared by the
// CommonJS hook (preload.ts, on the program's thread) and the ES module hooks (esm-hooks.mts, on the loader thread).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { instrument, RUNTIME_GLOBAL, type SiteDef } from './transform.js';

export const TS_FILE = /\.[cm]?ts$/;

/** Files whose async functions are the program's own. */
export function isProgramFile(file: string, recorderDir: string): boolean {
  return (
    file.startsWith('/') &&
    !file.startsWith(recorderDir) &&
    !/[\\/]node_modules[\\/]/.test(file) &&
    /\.([cm]?js|[cm]?ts)$/.test(file)
  );
}

/** Already instrumented (a loader path handed us our own output): leave it. */
export function isInstrumented(src: string): boolean {
  return src.includes('__al$t=') || src.includes(`${RUNTIME_GLOBAL}.d(`);
}

interface Esbuild {
  transformSync(src: string, opts: object): { code: string; map: string };
}
let esbuild: Esbuild | null = null;

/** TypeScript → JavaScript (same lines are not guaranteed: the map says where each line came from). */
export function compileTs(src: string, file: string, format: 'cjs' | 'esm'): { code: string; map: string } {
  if (esbuild === null) {
    const path = process.env.ASYNC_LANES_ESBUILD;
    if (!path) throw new Error('async-lanes: TypeScript needs esbuild (ASYNC_LANES_ESBUILD is not set)');
    esbuild = require(path) as Esbuild;
  }
  return esbuild.transformSync(src, {
    loader: 'ts',
    format,
    target: `node${process.versions.node.split('.')[0]}`,
    sourcemap: 'external',
    sourcefile: file,
    sourcesContent: false,
  });
}

/** Whether a .ts file is an ES module: .mts, or a .ts under a package.json with "type": "module". */
export function tsIsModule(file: string): boolean {
  if (file.endsWith('.mts')) return true;
  if (file.endsWith('.cts')) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type === 'module';
    } catch {
      // no readable package.json here
    }
    if (dirname(dir) === dir) return false;
  }
}

/** Instrumented source plus the sites it defines (with trace-wide ids from `nextSite`), or null to run as is. */
export function instrumentFile(
  src: string,
  file: string,
  module: boolean,
  nextSite: () => number,
): { code: string; sites: [number, string, number, number, string][]; skipped?: string } | null {
  if (isInstrumented(src)) return null;
  const sites: [number, string, number, number, string][] = [];
  const res = instrument(src, { module }, (s: SiteDef) => {
    const id = nextSite();
    sites.push([id, file, s.line, s.col, s.func]);
    return id;
  });
  if (res.code === null) return res.skipped ? { code: src, sites: [], skipped: res.skipped } : null;
  return { code: res.code, sites };
}
