// ES module loader hooks: the program's ES modules are instrumented (transform.ts) and TypeScript files are turned
// into JavaScript (compile.ts: types stripped as Node strips them where it does, else esbuild) as they load. Each
// instrumented module first hands its sites (and source map) to the recorder on the program's thread:
// `__async_lanes.d(...)`. Two ways in (preload.ts picks): module.registerHooks (Node ≥ 22.15:
// synchronous, on the program's thread) or module.register (older Node: on Node's loader thread, which the program
// waits for at start-up and which competes with it for the CPU).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileTs, instrumentFile, isProgramFile, nodeStripsTypes, TS_FILE, tsIsModule } from './compile.js';
import { RUNTIME_GLOBAL } from './transform.js';

interface InitData {
  recorderDir: string;
  siteCounter: SharedArrayBuffer;
}

interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}
type Context = { format?: string | null };
type Next<R> = (url: string, context?: object) => R;

let recorderDir = '';
let counter: Int32Array;

export function initialize(data: InitData): void {
  recorderDir = data.recorderDir;
  counter = new Int32Array(data.siteCounter);
}

/** The program file a URL names, or null when it is someone else's (loaded as is). */
function programFile(url: string): string | null {
  if (!url.startsWith('file:')) return null;
  const file = fileURLToPath(url);
  return isProgramFile(file, recorderDir) ? file : null;
}

/** A TypeScript file: compiled, or handed to require() when it is CommonJS (preload.ts compiles it there; the
 * synchronous hooks must hand over its source, module.register's must not). */
function loadTs(file: string, sync: boolean): LoadResult {
  if (!tsIsModule(file)) return { format: 'commonjs', source: sync ? readFileSync(file, 'utf8') : null, shortCircuit: true };
  const js = compileTs(readFileSync(file, 'utf8'), file, 'esm');
  return instrumented(file, js.code, js.map);
}

/** A TypeScript file Node runs itself: what Node decided it is, as Node loaded it. An ES module ("module-typescript")
 * is stripped and instrumented here; anything else goes on as it is ("typescript" for a .ts file without a "type":
 * Node strips it and compiles it as CommonJS through Module.prototype._compile, where preload.ts instruments it; if
 * it has import or export, Node loads it again as "module-typescript", as it does without the recorder). */
function loadNativeTs(file: string, loaded: LoadResult): LoadResult {
  if (loaded.format !== 'module-typescript' || loaded.source == null) return loaded;
  const source = typeof loaded.source === 'string' ? loaded.source : Buffer.from(loaded.source as Uint8Array).toString('utf8');
  return instrumented(file, compileTs(source, file, 'esm').code);
}

/** Node loaded a program file: ES modules are instrumented, anything else goes on as it is. */
function loadJs(file: string, loaded: LoadResult): LoadResult {
  if (loaded.format !== 'module' || loaded.source == null) return loaded;
  const source = typeof loaded.source === 'string' ? loaded.source : Buffer.from(loaded.source as Uint8Array).toString('utf8');
  return instrumented(file, source);
}

function instrumented(file: string, source: string, map?: string): LoadResult {
  const res = instrumentFile(source, file, true, () => Atomics.add(counter, 0, 1) + 1);
  if (res && res.sites.length > 0) {
    const define = `${RUNTIME_GLOBAL}.d(${JSON.stringify(res.sites)}${map ? `,${JSON.stringify(file)},${JSON.stringify(map)}` : ''});`;
    // After a hashbang line, which must stay first; on the first line, so that no line moves.
    const hb = res.code.startsWith('#!') ? res.code.indexOf('\n') + 1 : 0;
    source = hb > 0 ? res.code.slice(0, hb) + define + res.code.slice(hb) : define + res.code;
  } else if (map) source += `\n;${RUNTIME_GLOBAL}.d([],${JSON.stringify(file)},${JSON.stringify(map)});`;
  return { format: 'module', source, shortCircuit: true };
}

/** module.register's hook (loader thread). */
export async function load(url: string, context: Context, nextLoad: Next<Promise<LoadResult>>): Promise<LoadResult> {
  const file = programFile(url);
  if (file === null) return nextLoad(url, context);
  if (!TS_FILE.test(file)) return loadJs(file, await nextLoad(url, context));
  return nodeStripsTypes() ? loadNativeTs(file, await nextLoad(url, context)) : loadTs(file, false);
}

/** module.registerHooks' hook (program's thread). */
export function loadSync(url: string, context: Context, nextLoad: Next<LoadResult>): LoadResult {
  const file = programFile(url);
  if (file === null) return nextLoad(url, context);
  if (!TS_FILE.test(file)) return loadJs(file, nextLoad(url, context));
  return nodeStripsTypes() ? loadNativeTs(file, nextLoad(url, context)) : loadTs(file, true);
}
