// A real VS Code for the extension's end-to-end tests: code-server (scripts/setup-code-server.sh installs it once,
// outside the repository) with the packaged .vsix installed, in headless Debian Chromium driven by playwright-core.
// Helpers to start it, run palette commands, and reach into the timeline webview (two nested iframes).

import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';

export const ROOT = join(__dirname, '..', '..', '..');
export const SHOTS = '/tmp/async-lanes-shots/vscode';
export const EXTENSION_ID = 'async-lanes.async-lanes';

function run(what: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Installs code-server and Chromium when missing (idempotent; minutes the first time; its progress lines go to
 * the test log). */
export function setupCodeServer(): void {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'setup-code-server.sh')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`scripts/setup-code-server.sh failed (${r.status ?? r.signal}): see its output above`);
}

/** Packages the built extension (out/ must be built) the way `npm run package` does, or the extension in
 * `extensionDir`; returns the .vsix path. */
export function packageVsix(dir: string, extensionDir = ROOT): string {
  const vsix = join(dir, `${extensionDir === ROOT ? 'async-lanes' : 'test-extension'}.vsix`);
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], { cwd: extensionDir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vsce package failed in ${extensionDir}:\n${r.stdout}\n${r.stderr}`);
  return vsix;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  url: string;
  stop(): void;
}

/** Starts code-server with `vsix` (space-separated paths) installed on a fresh state folder; `trust`: workspace trust
 * on; `env` goes to code-server (and so to its extension host). */
export async function startCodeServer(state: string, workspace: string, vsix: string, trust = false, env: NodeJS.ProcessEnv = {}): Promise<CodeServer> {
  const port = await freePort();
  mkdirSync(state, { recursive: true });
  run('scripts/start-code-server.sh', 'bash', [join(ROOT, 'scripts', 'start-code-server.sh'), state, String(port), workspace], { ...process.env, ...env, VSIX: vsix, TRUST: trust ? '1' : '0' });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    spawnSync('bash', [join(ROOT, 'scripts', 'stop-code-server.sh'), state], { stdio: 'ignore' });
  };
  process.on('exit', stop);
  return { url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, stop };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Opens the workbench and waits until it shows the folder; `errors` collects page errors. */
export async function openWorkbench(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1500, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await waitForWorkbench(page);
  return { page, errors };
}

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
  await page.locator('.part.statusbar').waitFor({ timeout: 120_000 });
}

/** Runs a command from the palette (F1). Extension commands appear once the extension host has scanned the
 * extension, and an open palette does not refresh: retry until `timeoutMs`. An F1 pressed while the workbench moves
 * focus (a quick input closing, an editor opening) can be lost: pressed again until the palette shows. */
export async function runCommand(page: Page, title: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget .quick-input-box input');
  for (;;) {
    await until('the command palette', async () => {
      if (await input.isVisible()) return true;
      await page.keyboard.press('F1');
      return input.waitFor({ state: 'visible', timeout: 2000 }).then(
        () => true,
        () => false,
      );
    }, 30_000);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    try {
      // The palette seen may be the previous one closing: then the fill fails and the loop opens it again.
      await input.fill('>' + title, { timeout: 3000 });
      await row.waitFor({ state: 'visible', timeout: 3000 });
      await row.click();
      return;
    } catch {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`command "${title}" never appeared in the palette`);
      await page.waitForTimeout(1000);
    }
  }
}

/** Answers VS Code's simple file dialog (code-server's open and save dialogs: a path in a quick input). The dialog
 * writes its starting path in steps after it shows (the folder, then the file name): wait for `start`, the whole
 * starting path, or it would overwrite what is typed. */
export async function answerFileDialog(page: Page, start: string, path: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  await until(`the dialog's starting path ${start}`, async () => (await input.inputValue()) === start);
  await input.fill(path);
  await until('the typed path', async () => (await input.inputValue()) === path);
  await page.keyboard.press('Enter');
}

/** Opens a workspace file with Quick Open (Ctrl+P). */
export async function quickOpen(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(name);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: 20_000 });
  await row.click(); // (Enter opens the highlighted row, which need not be this one)
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 20_000 });
  await input.waitFor({ state: 'hidden', timeout: 20_000 });
}

/** The page (the inner frame holding our HTML) of the visible timeline webview whose trace name starts with
 * `name`, once its trace is drawn (`drawn` false: once it is named, for a view that draws no trace). */
export async function timelineFrame(page: Page, name: string, timeoutMs = 60_000, drawn = true): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const outer of await page.locator(`iframe.webview.ready[src*="extensionId=${EXTENSION_ID}"]`).all()) {
      if (!(await outer.isVisible().catch(() => false))) continue;
      const outerFrame = await (await outer.elementHandle().catch(() => null))?.contentFrame();
      const inner = await (await outerFrame?.$('iframe#active-frame').catch(() => null))?.contentFrame();
      const ready = inner && (!drawn || (await inner.evaluate(() => (globalThis as unknown as { __lanes?: { ready(): boolean } }).__lanes?.ready() === true).catch(() => false)));
      if (ready && (await inner.locator('#trace-name').textContent())?.startsWith(name)) return inner;
    }
    if (Date.now() > deadline) throw new Error(`no timeline of ${name} became visible`);
    await page.waitForTimeout(250);
  }
}

/** Waits until `check()` is true (polling), or throws `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The cursor position the status bar shows ("Ln 12, Col 1"). */
export async function cursorPosition(page: Page): Promise<string> {
  return (await page.locator('#status\\.editor\\.selection').textContent())?.trim() ?? '';
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Text of the notifications currently shown. */
export async function notifications(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-list-item-message').allTextContents();
}
