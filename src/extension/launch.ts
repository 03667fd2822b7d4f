// What to run to record a program: the command line of a file (by its language) or of a command the user typed,
// with the recorder in front. Pure (no vscode), so the choice of interpreter and the recorder's arguments are unit
// tested. A runtime is one entry of RUNTIMES: the Node recorder plugs in as one more entry.

import { basename, delimiter, extname, join } from 'node:path';

export interface RecordOptions {
  /** Where the trace goes. */
  traceFile: string;
  /** The recorder's blocked-loop threshold in ms (null: the recorder's default). */
  blockThresholdMs: number | null;
  /** This extension's folder: the recorders ship inside it. */
  extensionRoot: string;
  /** The environment the program would get without the recorder. */
  env: NodeJS.ProcessEnv;
}

export interface Launch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** A runtime whose programs can be recorded. */
interface Runtime {
  name: string;
  /** File extensions of its programs (".py"). */
  extensions: string[];
  /** Is `command` this runtime's interpreter? */
  isInterpreter(command: string): boolean;
  /** Wraps `interpreter ...program` so that the recorder runs the program. */
  wrap(interpreter: string, program: string[], o: RecordOptions): Launch;
}

const python: Runtime = {
  name: 'Python',
  extensions: ['.py', '.pyw'],
  isInterpreter: (command) => /python|^pypy[\d.]*$|^py$/.test(basename(command).toLowerCase().replace(/\.exe$/, '')),
  wrap(interpreter, program, o) {
    const recorder = join(o.extensionRoot, 'src', 'recorders', 'python');
    const original = o.env.PYTHONPATH;
    return {
      command: interpreter,
      args: ['-m', 'async_lanes', 'run', '-o', o.traceFile, ...(o.blockThresholdMs === null ? [] : ['--block-threshold', String(o.blockThresholdMs)]), ...program],
      env: {
        ...o.env,
        PYTHONPATH: original ? `${recorder}${delimiter}${original}` : recorder,
        // The recorder gives the program its own PYTHONPATH back.
        ASYNC_LANES_RESTORE_ENV: JSON.stringify({ PYTHONPATH: original ?? null }),
        // The output goes to a pipe shown in a terminal: without this, Python would hold it back until exit.
        PYTHONUNBUFFERED: '1',
      },
    };
  },
};

const RUNTIMES: Runtime[] = [python];

/** Files whose recording is not possible yet, with the reason. */
const NOT_YET: Record<string, string> = {
  '.js': 'Recording JavaScript needs the Node.js recorder, which this version of Async Lanes does not include yet.',
  '.mjs': 'Recording JavaScript needs the Node.js recorder, which this version of Async Lanes does not include yet.',
  '.cjs': 'Recording JavaScript needs the Node.js recorder, which this version of Async Lanes does not include yet.',
  '.ts': 'Recording TypeScript needs the Node.js recorder, which this version of Async Lanes does not include yet.',
  '.mts': 'Recording TypeScript needs the Node.js recorder, which this version of Async Lanes does not include yet.',
};

export class LaunchError extends Error {}

/** The runtime of a program file, or a LaunchError that says why it cannot be recorded. */
export function runtimeOfFile(file: string): Runtime {
  const ext = extname(file).toLowerCase();
  const runtime = RUNTIMES.find((r) => r.extensions.includes(ext));
  if (runtime) return runtime;
  throw new LaunchError(NOT_YET[ext] ?? `Async Lanes cannot record "${basename(file)}": only Python programs (.py) can be recorded.`);
}

/** The command line that records `file` run by `interpreter` with `args`. */
export function launchFile(file: string, interpreter: string, args: string[], o: RecordOptions): Launch {
  return runtimeOfFile(file).wrap(interpreter, [file, ...args], o);
}

/** The command line that records a command line the user typed (already split into words). */
export function launchCommand(argv: string[], o: RecordOptions): Launch {
  const [command, ...program] = argv;
  if (!command) throw new LaunchError('Type the command to record, for example: python3 app.py --port 8080');
  const runtime = RUNTIMES.find((r) => r.isInterpreter(command));
  if (!runtime) {
    throw new LaunchError(`Async Lanes can record Python programs for now: "${command}" is not a Python interpreter (type e.g. python3 app.py).`);
  }
  if (program.length === 0 || (program[0].startsWith('-') && program[0] !== '-m' && !program[0].startsWith('-m'))) {
    throw new LaunchError(`Name the program after the interpreter: ${command} app.py, or ${command} -m package.`);
  }
  return runtime.wrap(command, program, o);
}

/** The program's name for its trace file: the script's stem, or the module's last part after -m. */
export function programStem(argv: string[]): string {
  const program = argv.slice(1);
  let stem: string | undefined;
  if (program[0] === '-m') stem = program[1]?.split('.').pop();
  else if (program[0]?.startsWith('-m')) stem = program[0].slice(2).split('.').pop();
  else if (program[0] !== undefined) stem = basename(program[0]).replace(/\.[^.]*$/, '');
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
