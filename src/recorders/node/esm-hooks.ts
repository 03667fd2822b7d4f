// ES module loader hooks (module.register, on Node's loader thread): the program's ES modules are instrumented
// (transform.ts) and TypeScript files are compiled (esbuild) as they load. Each instrumented module first hands its
// sites (and source map) to the recorder on the program's thread: `__async_lanes.d(...)`.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileTs, instrumentFile, isProgramFile, TS_FILE, tsIsModule } from './compile.js';
import { RUNTIME_GLOBAL } from './transform.js';

interface InitData {
  recorderDir: string;
  siteCounter: SharedArrayBuffer;
}

let recorderDir = '';
let counter: Int32Array;

export function initialize(data: InitData): void {
  recorderDir = data.recorderDir;
  counter = new Int32Array(data.siteCounter);
}

type Next<R> = (url: string, context?: object) => Promise<R>;
interface LoadResult {
  format?: string | null;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}

export async function load(url: string, context: { format?: string | null }, nextLoad: Next<LoadResult>): Promise<LoadResult> {
  if (!url.startsWith('file:')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  if (!isProgramFile(file, recorderDir)) return nextLoad(url, context);
  let source: string;
  let map: string | undefined;
  if (TS_FILE.test(file)) {
    if (!tsIsModule(file)) return { format: 'commonjs', source: null, shortCircuit: true }; // require() compiles it
    const js = compileTs(readFileSync(file, 'utf8'), file, 'esm');
    source = js.code;
    map = js.map;
  } else {
    const loaded = await nextLoad(url, context);
    if (loaded.format !== 'module' || loaded.source == null) return loaded;
    source = typeof loaded.source === 'string' ? loaded.source : Buffer.from(loaded.source as Uint8Array).toString('utf8');
  }
  const res = instrumentFile(source, file, true, () => Atomics.add(counter, 0, 1) + 1);
  if (res && res.sites.length > 0) {
    const define = `${RUNTIME_GLOBAL}.d(${JSON.stringify(res.sites)}${map ? `,${JSON.stringify(file)},${JSON.stringify(map)}` : ''});`;
    // After a hashbang line, which must stay first; on the first line, so that no line moves.
    const hb = res.code.startsWith('#!') ? res.code.indexOf('\n') + 1 : 0;
    source = hb > 0 ? res.code.slice(0, hb) + define + res.code.slice(hb) : define + res.code;
  } else if (map) source += `\n;${RUNTIME_GLOBAL}.d([],${JSON.stringify(file)},${JSON.stringify(map)});`;
  return { format: 'module', source, shortCircuit: true };
}
