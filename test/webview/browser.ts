// Shared by the viewer tests: headless Debian Chromium through playwright-core (installed on demand by
// scripts/setup-browser.sh), pages of the viewer from `async-lanes view` (served or --html), example traces.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadAssets, newNonce, renderPage } from '../../src/page/page.js';

export const ROOT = join(__dirname, '..', '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = '/tmp/async-lanes-shots';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launch(): Promise<Browser> {
  const setup = spawnSync('bash', [join(ROOT, 'scripts', 'setup-browser.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (setup.status !== 0) throw new Error('scripts/setup-browser.sh failed: Chromium is needed for the viewer tests');
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A fresh folder, removed when the test process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lanes-view-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Records `examples/python/NAME.py` (or a path relative to examples/) into a fresh trace file. */
export function record(example: string, dir: string): string {
  const out = join(dir, `${example.replace(/\W+/g, '_')}.lanes`);
  const script = example.includes('/') ? join(ROOT, 'examples', example) : join(ROOT, 'examples', 'python', `${example}.py`);
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'async-lanes.js'), 'record', '-o', out, '--', 'python3', script], { encoding: 'utf8' });
  if (!readFileSync(out, 'utf8').startsWith('{')) throw new Error(`recording ${example} failed: ${r.stderr}`);
  return out;
}

/** A self-contained viewer page for `text`, as `async-lanes view --html` writes it. */
export function offlinePage(text: string, dir: string, name = 'trace.lanes'): string {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, renderPage({ title: name, nonce: newNonce(), config: { source: { kind: 'inline', name } }, home: { kind: 'offline', assets: loadAssets(join(ROOT, 'out', 'webview')), traceText: text } }));
  return `file://${file}`;
}

/** Opens `url` in a 1400×800 page and waits until the first frame with a trace is drawn; `errors` collects page
 * errors, console errors and CSP violations. */
export async function openViewer(browser: Browser, url: string, colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 800 }, colorScheme });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  // A CSP violation (a blocked font, style or script) counts as an error too.
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`);
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as { __lanes?: { ready(): boolean } }).__lanes?.ready() === true);
  return { page, errors };
}

/** Bounding box of the lanes canvas in page coordinates. */
export async function canvasBox(page: Page): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.locator('#lanes').boundingBox();
  if (!box) throw new Error('no canvas');
  return box;
}
