// Discovers the CPython interpreters the recorder tests run on: 3.9–3.13 under `pyenv root`.
// A version that is not installed is returned with `path: null` so the tests report it (as a skip with a reason)
// instead of passing silently.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Python {
  /** "3.11" */
  minor: string;
  /** [3, 11] */
  versionTuple: [number, number];
  /** Full version ("3.11.7") or null when not installed. */
  version: string | null;
  /** Absolute path of the interpreter, or null when not installed. */
  path: string | null;
}

export const WANTED_MINORS = ['3.9', '3.10', '3.11', '3.12', '3.13'];

export function pyenvRoot(): string | null {
  if (process.env.PYENV_ROOT && existsSync(process.env.PYENV_ROOT)) return process.env.PYENV_ROOT;
  try {
    const root = execFileSync('pyenv', ['root'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (root && existsSync(root)) return root;
  } catch {
    // no pyenv on PATH: fall back to its default location
  }
  const fallback = join(homedir(), '.pyenv');
  return existsSync(fallback) ? fallback : null;
}

/** The newest installed patch release of each wanted minor version. */
export function discoverPythons(minors: string[] = WANTED_MINORS): Python[] {
  const root = pyenvRoot();
  const versionsDir = root ? join(root, 'versions') : null;
  const installed = versionsDir && existsSync(versionsDir) ? readdirSync(versionsDir) : [];
  return minors.map((minor) => {
    const [maj, min] = minor.split('.').map(Number) as [number, number];
    const candidates = installed
      .filter((v) => new RegExp(`^${minor.replace('.', '\\.')}\\.\\d+$`).test(v))
      .filter((v) => existsSync(join(versionsDir!, v, 'bin', 'python')))
      .sort((a, b) => Number(b.split('.')[2]) - Number(a.split('.')[2]));
    const version = candidates[0] ?? null;
    return {
      minor,
      versionTuple: [maj, min],
      version,
      path: version ? join(versionsDir!, version, 'bin', 'python') : null,
    };
  });
}

/** True when `py` is at least `major.minor`. */
export function atLeast(py: { versionTuple: [number, number] }, major: number, minor: number): boolean {
  const [a, b] = py.versionTuple;
  return a > major || (a === major && b >= minor);
}
