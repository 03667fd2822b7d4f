// Best-effort opening of a URL in the user's browser. Never fails: without a browser the URL is still printed.

import { spawn } from 'node:child_process';

/** The command that opens URLs here, or null when there is none to use (e.g. a headless Linux box). */
function opener(): string[] | null {
  if (process.env.BROWSER) return [process.env.BROWSER];
  if (process.platform === 'darwin') return ['open'];
  if (process.platform === 'win32') return ['cmd', '/c', 'start', '""'];
  return process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? ['xdg-open'] : null;
}

/** Returns whether an opener was started. */
export function openBrowser(url: string): boolean {
  const cmd = opener();
  if (!cmd) return false;
  try {
    const child = spawn(cmd[0], [...cmd.slice(1), url], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}
