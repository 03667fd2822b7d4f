// Discovers the CPython interpreters the recorder tests run on: 3.9–3.13 under `pyenv root`, 3.14 and 3.15 from
// Debian unstable through scripts/setup-pythons.sh (run here: it installs them the first time, ~2-5 min, and is
// idempotent and cached afterwards; its wrappers `python3.14` / `python3.15` run them in a mount namespace).
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
  /** Why it is not installed (when path is null and the reason is known). */
  why?: string;
}

export const WANTED_MINORS = ['3.9', '3.10', '3.11', '3.12', '3.13', '3.14', '3.15'];
/** The versions that come from scripts/setup-pythons.sh (Debian sid), not from pyenv. */
export const DEBIAN_MINORS = ['3.14', '3.15'];

let debianBin: { dir: string | null; why: string | null } | null = null;
/** The folder of the python3.14 / python3.15 wrappers (installing them the first time), or why there is none. */
export function debianPythonsBin(): { dir: string | null; why: string | null } {
  if (debianBin) return debianBin;
  const script = join(__dirname, '..', '..', '..', '..', 'scripts', 'setup-pythons.sh');
  try {
    // (ASYNC_LANES_PYTHONS is also the tests' filter of versions, "3.14,3.15": the script takes it as its folder)
    const env = { ...process.env };
    if (env.ASYNC_LANES_PYTHONS && !env.ASYNC_LANES_PYTHONS.startsWith('/')) delete env.ASYNC_LANES_PYTHONS;
    const out = execFileSync('bash', [script], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
    const dir = out.trim().split('\n').pop() ?? '';
    debianBin = dir && existsSync(dir) ? { dir, why: null } : { dir: null, why: `scripts/setup-pythons.sh printed no folder: ${out.slice(-300)}` };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    debianBin = { dir: null, why: `scripts/setup-pythons.sh failed: ${(err.stderr || err.message).slice(-500)}` };
  }
  return debianBin;
}

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
    if (DEBIAN_MINORS.includes(minor)) {
      const bin = debianPythonsBin();
      const path = bin.dir ? join(bin.dir, `python${minor}`) : null;
      let version: string | null = null;
      let why = bin.why ?? undefined;
      if (path) {
        try {
          version = execFileSync(path, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
        } catch (e) {
          why = `${path} does not start: ${(e as Error).message.slice(0, 300)}`;
        }
      }
      return { minor, versionTuple: [maj, min], version, path: version ? path : null, ...(version ? {} : { why }) };
    }
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
