// Hand-written argument parsing: `--name value`, `--name=value`, `-o value`, flags, positionals, and `--` ending
// the options (everything after it is passed through).

import { CliError } from './errors.js';

export interface OptionSpec {
  /** Names with dashes, e.g. ['-o', '--output']; the first long name (without dashes) is the key. */
  names: string[];
  takesValue: boolean;
}

export interface ParsedArgs {
  options: Map<string, string | true>;
  positionals: string[];
  /** Everything after `--`, or null when there was no `--`. */
  rest: string[] | null;
}

export function parseArgs(argv: string[], specs: OptionSpec[], command: string): ParsedArgs {
  const byName = new Map<string, { key: string; spec: OptionSpec }>();
  for (const spec of specs) {
    const key = (spec.names.find((n) => n.startsWith('--')) ?? spec.names[0]).replace(/^-+/, '');
    for (const n of spec.names) byName.set(n, { key, spec });
  }
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return { options, positionals, rest: argv.slice(i + 1) };
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const found = byName.get(name);
    if (!found) throw new CliError(`unknown option "${name}" (see: async-lanes ${command} --help)`);
    if (!found.spec.takesValue) {
      if (eq >= 0) throw new CliError(`option ${name} takes no value`);
      options.set(found.key, true);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new CliError(`option ${name} needs a value`);
    options.set(found.key, value);
  }
  return { options, positionals, rest: null };
}

/** The string value of an option, if given. */
export function optionValue(args: ParsedArgs, key: string): string | undefined {
  const v = args.options.get(key);
  return typeof v === 'string' ? v : undefined;
}
