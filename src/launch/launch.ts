// The one launcher: what to run to record a program — the command line of a file (by its language) or of a command
// the user typed (`python3 app.py`, `node app.js`, `app.ts`, `npm test`), with the recorder in front, its environment
// merged with the user's (PYTHONPATH, NODE_OPTIONS: never overwritten), where the shipped recorders are, the program's
// stem and the trace file's name. Used by `async-lanes record`, the VS Code extension and the debugger integration,
// so they accept and refuse the same command lines with the same messages. No vscode: unit tested.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, delimiter, dirname, extname, join, resolve } from 'node:path';

export interface RecordOptions {
  /** Where the trace goes (Node: further node processes write `<stem>.<pid>.lanes` beside it). */
  traceFile: string;
  /** The recorder's blocked-loop threshold in ms (null: the recorder's default). */
  blockThresholdMs: number | null;
  /** The async-lanes package's folder (packageRoot()): the recorders ship inside it. */
  packageRoot: string;
  /** The environment the program would get without the recorder. */
  env: NodeJS.ProcessEnv;
  /** Where the program runs (a typed command resolves the project's packages from here). */
  cwd: string;
  /** The program's output goes to a pipe (a terminal the extension draws), not a tty: Python then buffers it until
   * exit unless told not to (PYTHONUNBUFFERED). */
  outputToPipe?: boolean;
}

/** Where the recorders ship inside the package: the Python package's folder (for PYTHONPATH), the folder whose
 * sitecustomize starts the Python recorder from the environment (a debugger's command line), and the Node
 * recorder's preload script (for NODE_OPTIONS --require). */
export function recorderPaths(root: string): { python: string; pythonAutostart: string; nodePreload: string } {
  const python = join(root, 'src', 'recorders', 'python');
  return { python, pythonAutostart: join(python, 'autostart'), nodePreload: join(root, 'out', 'src', 'recorders', 'node', 'preload.js') };
}

/** The async-lanes package's folder, found upward from this file (compiled under out/src/launch, or bundled into
 * out/extension.js). */
export function packageRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'async-lanes') return dir;
    } catch {
      // no (readable) package.json here: keep walking up
    }
    if (dirname(dir) === dir) throw new LaunchError(`Cannot find the async-lanes package (its package.json) above ${from}.`);
  }
}

export interface Launch {
  runtime: 'python' | 'node';
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The setting that chooses the interpreter, for the message when it cannot be run. */
  interpreterSetting: string;
}

/** A runtime whose programs can be recorded. */
interface Runtime {
  name: string;
  /** File extensions of its programs (".py"). */
  extensions: string[];
  /** Is `command` this runtime's interpreter (or one of its tools, like npm)? */
  isInterpreter(command: string): boolean;
  /** Whether `interpreter program…` names a program to run (and not, say, an interactive prompt). */
  namesProgram(program: string[]): boolean;
  /** How to name the program after the interpreter, for the message when it is missing. */
  usage: string;
  /** Wraps `interpreter ...program` so that the recorder runs the program. */
  wrap(interpreter: string, program: string[], o: RecordOptions): Launch;
}

const python: Runtime = {
  name: 'Python',
  extensions: ['.py', '.pyw'],
  isInterpreter: (command) => /python|^pypy[\d.]*$|^py$/.test(basename(command).toLowerCase().replace(/\.exe$/, '')),
  namesProgram: (program) => program.length > 0 && (!program[0].startsWith('-') || program[0].startsWith('-m')),
  usage: '{} app.py, or {} -m package',
  wrap(interpreter, program, o) {
    const env: NodeJS.ProcessEnv = { ...o.env, ...pythonPathEnv(recorderPaths(o.packageRoot).python, o.env.PYTHONPATH) };
    if (o.outputToPipe) env.PYTHONUNBUFFERED = '1';
    return {
      runtime: 'python',
      command: interpreter,
      args: ['-m', 'async_lanes', 'run', '-o', o.traceFile, ...(o.blockThresholdMs === null ? [] : ['--block-threshold', String(o.blockThresholdMs)]), ...program],
      env,
      interpreterSetting: 'asyncLanes.pythonPath',
    };
  },
};

/** `folder` first on the program's PYTHONPATH (`original`: its own, kept after it), and the recorder gives the program
 * its own back (ASYNC_LANES_RESTORE_ENV). */
function pythonPathEnv(folder: string, original: string | undefined): Record<string, string> {
  return {
    PYTHONPATH: original ? `${folder}${delimiter}${original}` : folder,
    ASYNC_LANES_RESTORE_ENV: JSON.stringify({ PYTHONPATH: original ?? null }),
  };
}

export const TS_NEEDS_ESBUILD = 'Recording TypeScript needs Node 22.18+ (it strips types itself) or esbuild in your project: npm i -D esbuild';

/** Whether the `node` executable runs TypeScript itself (type stripping on: by default in 22.18+ and 23.6+, or with
 * --experimental-strip-types in NODE_OPTIONS) and offers its stripping to the recorder (module.stripTypeScriptTypes):
 * then the recorder needs no esbuild. Asked each time (~50 ms; only for TypeScript), in the program's environment. */
export function nodeStripsTypes(node: string, env: NodeJS.ProcessEnv): boolean {
  const probe = 'process.stdout.write(String(Boolean(process.features.typescript) && typeof require("node:module").stripTypeScriptTypes === "function"))';
  try {
    return execFileSync(node, ['-e', probe], { env, encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'ignore'] }) === 'true';
  } catch {
    return false; // not found, not a node, too old to know: the message about esbuild says what to do
  }
}

const PACKAGE_MANAGERS = /^(npm|npx|pnpm|yarn|corepack)(\.cmd)?$/i;
const NODE_SCRIPT = /\.[cm]?[jt]s$/i;
const TS_SCRIPT = /\.[cm]?ts$/i;

/** A path in NODE_OPTIONS: quoted when it has spaces, quotes or backslashes. */
function quoteOption(path: string): string {
  return /[\s"\\]/.test(path) ? `"${path.replace(/(["\\])/g, '\\$1')}"` : path;
}

const node: Runtime = {
  name: 'Node.js',
  extensions: ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'],
  // node, npm and the other package managers, or a script typed first (`app.ts args`), which node runs.
  isInterpreter: (command) => /^(node(js)?\d*|npm|npx|pnpm|yarn|corepack)(\.exe|\.cmd)?$/.test(basename(command).toLowerCase()) || NODE_SCRIPT.test(command),
  // Bare `node` is the interactive prompt; npm and the others run what their words say (npm test).
  namesProgram: (program) => program.length > 0,
  usage: '{} app.js, or npm test',
  wrap(interpreter, program, o) {
    // A script typed first runs with `node` from PATH: `app.ts --port 1` is `node app.ts --port 1`.
    const [command, args] = NODE_SCRIPT.test(interpreter) ? ['node', [interpreter, ...program]] : [interpreter, program];
    const script = args.find((a) => !a.startsWith('-'));
    const env: NodeJS.ProcessEnv = { ...o.env };
    delete env.ASYNC_LANES_ESBUILD;
    delete env.ASYNC_LANES_BLOCK_MS;
    Object.assign(env, nodeRecorderEnv(o, script));
    if (env.ASYNC_LANES_ESBUILD === undefined && args.some((a) => TS_SCRIPT.test(a)) && !nodeStripsTypes(command, o.env)) throw new LaunchError(TS_NEEDS_ESBUILD);
    return { runtime: 'node', command, args, env, interpreterSetting: 'asyncLanes.nodePath' };
  },
};

/** The variables that make node run `script` (if known) under the recorder, merged with o.env's. */
function nodeRecorderEnv(o: RecordOptions, script: string | undefined): Record<string, string> {
  // The recorder goes into NODE_OPTIONS, so that npm scripts, npx and every child node process are recorded too;
  // the program's own options stay after it.
  const env: Record<string, string> = {
    NODE_OPTIONS: [`--require ${quoteOption(recorderPaths(o.packageRoot).nodePreload)}`, o.env.NODE_OPTIONS ?? ''].join(' ').trim(),
    ASYNC_LANES_OUT: resolve(o.cwd, o.traceFile),
  };
  if (o.blockThresholdMs !== null) env.ASYNC_LANES_BLOCK_MS = String(o.blockThresholdMs);
  // TypeScript (a .ts script, or one that `npm test` loads): where Node strips types itself (22.18+), the recorder
  // does the same and needs nothing else. Elsewhere it is compiled with the project's own esbuild, found upward from
  // the script or the working folder (the .vsix cannot ship one: a native binary per platform).
  const from = script !== undefined && TS_SCRIPT.test(script) ? dirname(resolve(o.cwd, script)) : o.cwd;
  const esbuild = projectEsbuild(from);
  if (esbuild !== null) env.ASYNC_LANES_ESBUILD = esbuild;
  return env;
}

/** A debugger's launch configuration (launch.json), as far as recording it goes. */
export interface DebugLaunch {
  type: string;
  request: string;
  program?: string;
}

export const DEBUG_NODE_TYPES = ['node', 'pwa-node'];
export const DEBUG_PYTHON_TYPES = ['debugpy', 'python'];

/** What to add to a debugger launch configuration's environment so that the program runs under the recorder: the
 * same variables as a recording (o.env: the environment the program would get, for NODE_OPTIONS to merge with),
 * plus ASYNC_LANES_DEBUGGER, which lets the extension flush the records at each pause and keeps the recorder's
 * watchdog out of the debugger's way. The debugger starts the program, so only the environment is ours. A LaunchError
 * says why a configuration cannot be recorded; the session then runs as it would. */
export function debugLaunchEnv(config: DebugLaunch, o: RecordOptions): Record<string, string> {
  if (config.request !== 'launch') {
    throw new LaunchError('Async Lanes records debug sessions that launch the program; an attach configuration runs without recording.');
  }
  if (DEBUG_PYTHON_TYPES.includes(config.type)) {
    // debugpy runs `python <debugpy> --connect … program`: the recorder cannot go in front of the program on that
    // command line, so Python's start-up starts it (the sitecustomize in pythonAutostart, first on PYTHONPATH).
    const env: Record<string, string> = {
      ...pythonPathEnv(recorderPaths(o.packageRoot).pythonAutostart, o.env.PYTHONPATH),
      ASYNC_LANES_OUT: resolve(o.cwd, o.traceFile),
      ASYNC_LANES_DEBUGGER: '1',
    };
    if (o.blockThresholdMs !== null) env.ASYNC_LANES_BLOCK_MS = String(o.blockThresholdMs);
    return env;
  }
  if (!DEBUG_NODE_TYPES.includes(config.type)) throw new LaunchError(`Async Lanes records Node.js (node) and Python (debugpy) debug sessions; a "${config.type}" session runs without recording.`);
  return { ...nodeRecorderEnv(o, config.program), ASYNC_LANES_DEBUGGER: '1' };
}

/** The esbuild package that require('esbuild') finds from `folder` (node_modules here or in a parent folder), or
 * null. Looked up on disk each time, not with require.resolve: Node remembers a missing package.json for the life of
 * the extension host, so an `npm i -D esbuild` after the first attempt would go unseen. */
function projectEsbuild(folder: string): string | null {
  for (let dir = resolve(folder); ; dir = dirname(dir)) {
    const pkg = join(dir, 'node_modules', 'esbuild');
    if (existsSync(join(pkg, 'package.json'))) return pkg;
    if (dirname(dir) === dir) return null;
  }
}

const RUNTIMES: Runtime[] = [python, node];

export class LaunchError extends Error {}

/** The runtime of a program file, or a LaunchError that says why it cannot be recorded. */
export function runtimeOfFile(file: string): Runtime {
  const ext = extname(file).toLowerCase();
  const runtime = RUNTIMES.find((r) => r.extensions.includes(ext));
  if (runtime) return runtime;
  throw new LaunchError(`Async Lanes cannot record "${basename(file)}": only Python (.py) and JavaScript or TypeScript programs (.js, .mjs, .cjs, .ts, .mts, .cts) can be recorded.`);
}

/** The command line that records `file` run by `interpreter` with `args`. */
export function launchFile(file: string, interpreter: string, args: string[], o: RecordOptions): Launch {
  return runtimeOfFile(file).wrap(interpreter, [file, ...args], o);
}

/** The interpreter for a file's runtime: the user's choice for it, else the runtime's usual name on PATH. */
export function interpreterFor(runtime: Runtime, choices: { python: () => Promise<string>; nodePath: string }): Promise<string> {
  if (runtime === node) return Promise.resolve(choices.nodePath.trim() || 'node');
  return choices.python();
}

/** The command line that records a command line the user typed (already split into words). */
export function launchCommand(argv: string[], o: RecordOptions): Launch {
  const [command, ...program] = argv;
  if (!command) throw new LaunchError('Type the command to record, for example: python3 app.py --port 8080, or npm test');
  const runtime = RUNTIMES.find((r) => r.isInterpreter(command));
  if (!runtime) {
    throw new LaunchError(`"${command}" is neither a Python interpreter nor node, npm, npx, pnpm, yarn or a .js/.ts script: Async Lanes records Python and Node.js programs (type e.g. python3 app.py, or node app.js).`);
  }
  if (!runtime.namesProgram(program)) {
    throw new LaunchError(`Name the program after the interpreter: ${runtime.usage.replace(/\{\}/g, command)}.`);
  }
  return runtime.wrap(command, program, o);
}

/** The program's name for its trace file: the script's stem, the module's last part after -m, or the package
 * manager's words (npm-test, npx-jest). */
export function programStem(argv: string[]): string {
  const program = NODE_SCRIPT.test(argv[0] ?? '') ? argv : argv.slice(1);
  let stem: string | undefined;
  if (PACKAGE_MANAGERS.test(basename(argv[0] ?? ''))) {
    stem = [basename(argv[0]).replace(/\.cmd$/i, ''), ...program.filter((a) => !a.startsWith('-')).slice(0, 2).map((a) => basename(a))].join('-');
  } else if (program[0] === '-m') stem = program[1]?.split('.').pop();
  else if (program[0]?.startsWith('-m')) stem = program[0].slice(2).split('.').pop();
  else {
    const script = program.find((a) => !a.startsWith('-'));
    if (script !== undefined) stem = basename(script).replace(/\.[^.]*$/, '');
  }
  return (stem || 'program').replace(/[^\w.-]+/g, '_');
}

/** "shop-20261121-143005.lanes", or with "-2", "-3"… when `taken` says that name is used (two recordings in one
 * second). */
export function traceFileName(stem: string, d: Date, taken: (name: string) => boolean = () => false): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const base = `${stem}-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
  let name = `${base}.lanes`;
  for (let i = 2; taken(name); i++) name = `${base}-${i}.lanes`;
  return name;
}

/** Splits a command line into words the way a POSIX shell does for plain words, '…' and "…" quotes and \ escapes
 * (no variables, globs or operators: the words go to the program as typed). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) throw new LaunchError(`The command line has an unclosed ${quote} quote.`);
  if (inWord) words.push(word);
  return words;
}

/** The interpreter the user chose: our own setting, else the Python extension's selected interpreter, else
 * python.defaultInterpreterPath, else python3. Blank values count as unset. */
export function chooseInterpreter(choices: { override?: string; pythonExtension?: string; defaultInterpreterPath?: string }): string {
  for (const c of [choices.override, choices.pythonExtension, choices.defaultInterpreterPath]) {
    if (c !== undefined && c.trim() !== '') return c.trim();
  }
  return 'python3';
}
