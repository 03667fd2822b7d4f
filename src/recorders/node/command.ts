// How to launch a Node program under the recorder: the recorder goes into NODE_OPTIONS (`--require preload.js`), so
// that npm scripts, npx and every child node process are recorded too. Used by `async-lanes record` and meant for
// the VS Code extension ("record this file").

import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

export interface NodeLaunch {
  command: string;
  args: string[];
  /** Variables to add to the program's environment. */
  env: Record<string, string>;
}

export interface NodeRecordOptions {
  /** Trace path (absolute, or relative to the caller's cwd). Further processes write `<stem>.<pid>.lanes` beside it. */
  output: string;
  blockThresholdMs?: number;
  /** The program's NODE_OPTIONS, kept after the recorder's. */
  nodeOptions?: string;
  /** The node executable for scripts (default: `node` from PATH). */
  node?: string;
}

/** The async-lanes package root: out/src/recorders/node → four levels up. */
const PACKAGE_ROOT = resolve(__dirname, '..', '..', '..', '..');
export const PRELOAD = join(__dirname, 'preload.js');

const PACKAGE_MANAGERS = /^(npm|npx|pnpm|yarn|corepack)(\.cmd)?$/;
const NODE = /^node(js)?(\d+)?(\.exe)?$/;
const SCRIPT = /\.(m|c)?(js|ts)$/;

/** Is `async-lanes record -- <argv>` a Node program (node, npm, npx, or a .js/.mjs/.cjs/.ts script)? */
export function isNodeCommand(argv: string[]): boolean {
  const name = basename(argv[0] ?? '').toLowerCase();
  return NODE.test(name) || PACKAGE_MANAGERS.test(name) || SCRIPT.test(name);
}

/** The default trace name: the script's stem, or `npm-test` for `npm test`. */
export function nodeProgramStem(argv: string[]): string {
  const name = basename(argv[0] ?? 'node').replace(/\.[^.]*$/, '');
  if (NODE.test(basename(argv[0] ?? ''))) {
    const script = argv.slice(1).find((a) => !a.startsWith('-'));
    return script ? basename(script).replace(/\.[^.]*$/, '') : 'node';
  }
  if (PACKAGE_MANAGERS.test(basename(argv[0] ?? ''))) {
    const words = argv.slice(1).filter((a) => !a.startsWith('-')).slice(0, 2);
    return [name, ...words].join('-').replace(/[^\w.-]+/g, '_');
  }
  return name;
}

function quote(path: string): string {
  return /[\s"\\]/.test(path) ? `"${path.replace(/(["\\])/g, '\\$1')}"` : path;
}

/** The command line that runs `argv` (node ..., npm ..., app.ts ...) with the Node recorder. */
export function nodeRecordCommand(argv: string[], opts: NodeRecordOptions): NodeLaunch {
  const [first, ...rest] = argv;
  const script = !NODE.test(basename(first).toLowerCase()) && SCRIPT.test(first);
  const command = script ? opts.node ?? 'node' : first;
  const args = script ? [first, ...rest] : rest;
  const env: Record<string, string> = {
    NODE_OPTIONS: [`--require ${quote(PRELOAD)}`, opts.nodeOptions ?? ''].join(' ').trim(),
    ASYNC_LANES_OUT: resolve(opts.output),
  };
  if (opts.blockThresholdMs !== undefined) env.ASYNC_LANES_BLOCK_MS = String(opts.blockThresholdMs);
  const esbuild = join(PACKAGE_ROOT, 'node_modules', 'esbuild');
  if (existsSync(esbuild)) env.ASYNC_LANES_ESBUILD = esbuild;
  return { command, args, env };
}

/** "Record this file": the launch for one script with its arguments. */
export function recordFileCommand(file: string, args: string[], opts: NodeRecordOptions): NodeLaunch {
  return nodeRecordCommand([resolve(file), ...args], opts);
}
