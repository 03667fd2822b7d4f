// The UI's icons are VS Code's codicons: the icon font loads under the page's strict CSP, both from the serving
// origin (`async-lanes view`) and as a data: URI in the offline file (`--html`), with no CSP violation; every
// icon-only button has an accessible name and a title. Screenshots in light and dark for a look.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadAssets } from '../../src/page/page.js';
import { startViewServer, type ViewServer } from '../../src/viewer/server.js';
import { launch, openViewer, record, ROOT, SHOTS, tempDir } from './browser.js';
import { nextFrame } from './hook.js';

let browser: Browser;
let server: ViewServer | undefined;
const dir = tempDir();

before(async () => {
  browser = await launch();
});
after(async () => {
  await server?.close();
  await browser?.close();
});

interface FontState {
  faces: { family: string; status: string }[];
  check: boolean;
  /** Width of the zoom-in glyph drawn with the codicon font, and with a fallback font. */
  iconWidth: number;
  fallbackWidth: number;
  /** The ::before content of a toolbar icon, and that element's font family. */
  content: string;
  family: string;
}

/** Waits for the page's fonts, then reports the codicon font's state. */
async function fontState(page: Page): Promise<FontState> {
  return page.evaluate(`(async () => {
    await document.fonts.ready;
    const el = document.querySelector('#zoom-in .codicon');
    const style = getComputedStyle(el, '::before');
    const glyph = JSON.parse(style.content);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = '16px codicon';
    const iconWidth = ctx.measureText(glyph).width;
    ctx.font = '16px monospace';
    const fallbackWidth = ctx.measureText(glyph).width;
    return {
      faces: [...document.fonts].map((f) => ({ family: f.family.replace(/"/g, ''), status: f.status })),
      check: document.fonts.check('16px codicon', glyph),
      iconWidth, fallbackWidth,
      content: style.content,
      family: getComputedStyle(el).fontFamily,
    };
  })()`);
}

function assertFontLoaded(s: FontState, where: string): void {
  const face = s.faces.find((f) => f.family === 'codicon');
  assert.ok(face, `${where}: a codicon @font-face: ${JSON.stringify(s.faces)}`);
  assert.equal(face.status, 'loaded', `${where}: the codicon font loaded`);
  assert.ok(s.check, `${where}: document.fonts.check('16px codicon')`);
  assert.match(s.family, /codicon/, `${where}: icons use the codicon family`);
  assert.match(s.content, /^"[\uE000-\uF8FF]"$/u, `${where}: the icon is a private-use codicon glyph: ${s.content}`);
  // The codicon font draws its glyph 16px wide (a 16px icon grid); a fallback draws a different box or nothing.
  assert.equal(Math.round(s.iconWidth), 16, `${where}: glyph drawn with the codicon font (${s.iconWidth}px)`);
  assert.notEqual(Math.round(s.fallbackWidth), Math.round(s.iconWidth), `${where}: and not with a fallback font`);
}

/** Every button without visible text has an accessible name and a tooltip. */
async function iconButtonsLabelled(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll('button')]
    .filter((b) => b.textContent.trim() === '')
    .map((b) => ({ id: b.id, label: b.getAttribute('aria-label') ?? '', title: b.getAttribute('title') ?? '' }))
    .filter((b) => !b.label.trim() || !b.title.trim())
    .map((b) => b.id || '(no id)')`);
}

describe('codicons', () => {
  it('the --html file carries the icon font as a data: URI allowed by its CSP, and it loads offline', async () => {
    const trace = record('unretrieved_exception', dir);
    const out = join(dir, 'icons.html');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'async-lanes.js'), 'view', trace, '--html', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { page, errors } = await openViewer(browser, `file://${out}`);
    const csp = await page.evaluate(`document.querySelector('meta[http-equiv=Content-Security-Policy]').content`) as string;
    assert.match(csp, /font-src data:(;|$)/);
    assert.match(csp, /default-src 'none'/);
    assertFontLoaded(await fontState(page), '--html');
    // Icons where the UI had glyphs: toolbar, chevrons, outcomes in the task list, findings, go-to-source links.
    for (const sel of ['#zoom-in .codicon-zoom-in', '#zoom-out .codicon-zoom-out', '#fit .codicon', '#follow .codicon', '.twisty .codicon-chevron-down', '.row .meta .codicon.outcome', '#findings-list .ficon.codicon-error', '.legend .codicon-pass']) {
      assert.ok(await page.locator(sel).count() > 0, `an icon at ${sel}`);
    }
    await page.locator('[role=treeitem][data-state=error]').first().click();
    assert.ok(await page.locator('#details button.source .codicon-go-to-file').count() > 0, 'go-to-source links have the icon');
    assert.deepEqual(await iconButtonsLabelled(page), [], 'icon-only buttons have aria-label and title');
    await nextFrame(page);
    assert.deepEqual(errors, [], 'no page error and no CSP violation');
    await page.close();
  });

  it('the served page loads the icon font from its own origin under font-src \'self\'', async () => {
    const trace = record('blocked_loop', dir);
    server = await startViewServer(trace, loadAssets(join(ROOT, 'out', 'webview')));
    const font = await fetch(`${server.url}codicon.ttf`);
    assert.equal(font.status, 200);
    assert.equal(font.headers.get('content-type'), 'font/ttf');
    const res = await fetch(server.url);
    assert.match(res.headers.get('content-security-policy')!, /font-src 'self'/);
    assert.ok(!(await res.text()).includes('data:font'), 'the served page does not inline the font');
    const { page, errors } = await openViewer(browser, server.url);
    assertFontLoaded(await fontState(page), 'served');
    assert.deepEqual(await iconButtonsLabelled(page), []);
    await nextFrame(page);
    assert.deepEqual(errors, [], 'no page error and no CSP violation');
    await page.close();
    await server.close();
    server = undefined;
  });

  it('a font the CSP does not allow is reported (the check above would catch a wrong font-src)', async () => {
    // The same offline page with its font-src swapped for 'self': the data: font is refused and reported.
    const trace = record('gather_sleeps', dir);
    const out = join(dir, 'blocked-font.html');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'async-lanes.js'), 'view', trace, '--html', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    writeFileSync(out, readFileSync(out, 'utf8').replace('font-src data:', "font-src 'self'"));
    const { page, errors } = await openViewer(browser, `file://${out}`);
    await page.evaluate('document.fonts.ready');
    await page.waitForFunction(`[...document.fonts].some((f) => f.family.replace(/"/g, '') === 'codicon' && f.status === 'error')`);
    assert.ok(errors.some((e) => /CSP violation: font-src|Refused to load the font/.test(e)), errors.join('\n'));
    await page.close();
  });

  it('screenshots: light and dark', async () => {
    const trace = record('demo/shop.py', dir);
    const out = join(dir, 'shop.html');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'async-lanes.js'), 'view', trace, '--html', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const scheme of ['light', 'dark'] as const) {
      const { page, errors } = await openViewer(browser, `file://${out}`, scheme);
      assertFontLoaded(await fontState(page), scheme);
      await page.locator('#findings-list [role=option]').first().click();
      await page.locator('#zoom-in').hover();
      await nextFrame(page);
      await page.screenshot({ path: join(SHOTS, `icons-${scheme}.png`) });
      assert.deepEqual(errors, []);
      await page.close();
    }
  });
});
