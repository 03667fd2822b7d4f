// What gets instrumented and how: the program's own files (not node_modules, not Node's, not the recorder's), with
// TypeScript turned into JavaScript first: where Node strips types itself (22.18+, 23.6+, or an older 22/23 with
// --experimental-strip-types), by module.stripTypeScriptTypes, which replaces the types with blanks (every line and
// column stays, no source map; what Node would run); elsewhere (Node 20, 22 < 22.18 without the flag) by esbuild,
// resolved from the async-lanes package or the project (ASYNC_LANES_ESBUILD), with a source map. Shared by the
// CommonJS hook (preload.ts, on the program's thread) and the ES module hooks (esm-hooks.mts, on the loader thread).

import { readFileSync } from 'node:fs';
import Module from 'node:module';
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

type Strip = (src: string, opts: { mode: 'strip' }) => string;
const stripTypeScriptTypes = (Module as unknown as { stripTypeScriptTypes?: Strip }).stripTypeScriptTypes;

/** Node runs TypeScript itself in this process (process.features.typescript: "strip" or "transform"), and offers
 * its stripping to us (module.stripTypeScriptTypes: 22.13+, 23.2+). */
export function nodeStripsTypes(): boolean {
  return typeof stripTypeScriptTypes === 'function' && Boolean((process.features as { typescript?: unknown }).typescript);
}

/** Types → blanks, as Node does when it runs a .ts file. The API says once per process that it is experimental;
 * Node's own stripping of the program's files does not, so that warning is kept from the program's stderr. */
function stripTypes(src: string): string {
  const emit = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    if (/stripTypeScriptTypes/.test(typeof warning === 'string' ? warning : String(warning?.message))) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return stripTypeScriptTypes!(src, { mode: 'strip' });
  } finally {
    process.emitWarning = emit;
  }
}

/** TypeScript → JavaScript. Stripped by Node where it strips types itself: same lines and columns, no map (a file
 * strip-only mode cannot run, e.g. with an enum, goes to esbuild when there is one, else fails as Node would). Else
 * compiled by esbuild: same lines are not guaranteed, the map says where each line came from. */
export function compileTs(src: string, file: string, format: 'cjs' | 'esm'): { code: string; map?: string } {
  if (nodeStripsTypes()) {
    try {
      return { code: stripTypes(src) };
    } catch (e) {
      if (!process.env.ASYNC_LANES_ESBUILD) throw e;
    }
  }
  if (esbuild === null) {
    const path = process.env.ASYNC_LANES_ESBUILD;
    if (!path) throw new Error(`async-lanes: TypeScript on Node ${process.versions.node} needs esbuild (npm i -D esbuild), or Node's type stripping (22.18+; 22.13+ with --experimental-strip-types)`);
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
