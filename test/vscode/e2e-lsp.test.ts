// The language server in a real VS Code (code-server + headless Chromium, see workbench.ts), from the packaged .vsix:
// record an example, the Problems panel lists its finding at the marker's line, a code lens shows above the async
// function that ran, a hover on an await line shows the wait figures, the quick fix inserts `await`, and the next
// recording of the fixed file has no finding. Screenshots of each step go to /tmp/async-lanes-shots/vscode/lsp-*.

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { markerLine } from '../recorders/lib/report.js';
import type { HookRow, HookView } from '../../src/protocol/test-hook.js';
import { cursorPosition, launchBrowser, openWorkbench, packageVsix, quickOpen, ROOT, runCommand, setupCodeServer, shot, startCodeServer, timelineFrame, until, type CodeServer } from './workbench.js';

const dir = mkdtempSync(join(tmpdir(), 'lanes-vscode-lsp-'));
const ws = join(dir, 'ws');
const traces = join(ws, '.async-lanes');
const example = join(ws, 'app', 'never_awaited.py');
let browser: Browser;
let server: CodeServer;
let page: Page;

const step = (name: string, fn: () => Promise<void>) => async () => {
  try {
    await fn();
  } catch (err) {
    await shot(page, `FAILED-lsp-${name}`).catch(() => undefined);
    throw err;
  }
};

const tracesOf = (stem: string) => (existsSync(traces) ? readdirSync(traces) : []).filter((f) => f.startsWith(`${stem}-`) && f.endsWith('.lanes'));
const ended = (file: string) => readFileSync(file, 'utf8').includes('["exit"');

/** Records the active editor's file and waits for its n-th trace to end. */
async function recordActive(n: number): Promise<void> {
  await runCommand(page, 'Async Lanes: Record Current File');
  await until(`trace ${n} of never_awaited`, () => tracesOf('never_awaited').length === n, 60_000);
  const file = join(traces, tracesOf('never_awaited').sort()[n - 1]);
  await until('the program to end', () => ended(file), 60_000);
}

/** The Problems panel's rows (message and position), once it is open. */
async function problems(): Promise<string[]> {
  return (await page.locator('.markers-panel .monaco-list-row').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
}

async function goToLine(line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`:${line}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: `go to line ${line}` }).waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await until(`the cursor on line ${line}`, async () => (await cursorPosition(page)).startsWith(`Ln ${line},`));
}

before(async () => {
  setupCodeServer();
  const vsix = packageVsix(dir);
  mkdirSync(join(ws, 'app'), { recursive: true });
  copyFileSync(join(ROOT, 'examples', 'python', 'never_awaited.py'), example);
  server = await startCodeServer(join(dir, 'state'), ws, vsix);
  browser = await launchBrowser();
  ({ page } = await openWorkbench(browser, server.url));
});

after(async () => {
  await browser?.close();
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Async Lanes language server in VS Code (code-server)', () => {
  const findingLine = markerLine(join(ROOT, 'examples', 'python', 'never_awaited.py'), 'finding: never-awaited');

  it('a recording\'s finding is listed in the Problems panel at its line, source Async Lanes', step('01', async () => {
    await quickOpen(page, 'never_awaited.py');
    await recordActive(1);
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel').waitFor({ timeout: 20_000 });
    await until('the finding in the Problems panel', async () => (await problems()).some((p) => p.includes('Never awaited')), 60_000);
    const row = (await problems()).find((p) => p.includes('Never awaited'))!;
    assert.match(row, /coroutine 'save' was never awaited/);
    assert.match(row, /Async Lanes/);
    assert.match(row, new RegExp(`\\[Ln ${findingLine}, Col 5\\]`));
    await shot(page, 'lsp-01-problems');
  }));

  it('a code lens above the async function that ran, and a hover on an await line with the wait figures', step('02', async () => {
    await quickOpen(page, 'never_awaited.py');
    const lens = page.locator('.editor-group-container.active .codelens-decoration', { hasText: /1 call · busy p50/ }).first();
    await lens.waitFor({ timeout: 30_000 });
    assert.match((await lens.textContent()) ?? '', /^1 call · busy p50 \S+ \S+, p95 \S+ \S+ · wait p50 \S+ ms, p95 \S+ ms$/);
    const awaitLine = page.locator('.editor-group-container.active .view-line', { hasText: 'await: save-sleep' }).first();
    // (Without a Python extension the line is one or two spans: its code, its comment.)
    const word = awaitLine.locator('span span').first();
    await until('the hover with the wait figures', async () => {
      await word.hover();
      return page.locator('.monaco-hover-content', { hasText: 'awaited' }).first().isVisible({ timeout: 2000 }).catch(() => false);
    }, 30_000);
    const hover = (await page.locator('.monaco-hover-content', { hasText: 'awaited' }).first().textContent()) ?? '';
    assert.match(hover, /awaited 1×/);
    assert.match(hover, /total \S+ ms · median \S+ ms · max \S+ ms/);
    assert.match(hover, /awaited: sleep ×1/);
    await shot(page, 'lsp-02-lens-hover');
    await page.keyboard.press('Escape');
  }));

  it('clicking the code lens opens the recording\'s timeline filtered to the function\'s tasks, the first selected', step('02b', async () => {
    // One timeline only: the recording's own panel closed.
    await runCommand(page, 'View: Close All Editors');
    await quickOpen(page, 'never_awaited.py');
    const recording = tracesOf('never_awaited')[0];
    await page.locator('.editor-group-container.active .codelens-decoration a', { hasText: /1 call · busy p50/ }).first().click();
    await page.locator('.editor-group-container.active .tab.active', { hasText: recording }).waitFor({ timeout: 20_000 });
    const frame = await timelineFrame(page, recording.replace(/\.lanes$/, ''));
    // main is the recording's first task.
    await until('main selected in the timeline', async () => ((await frame.evaluate('window.__lanes.view()')) as HookView).selected === 'task:1');
    // Filtered: the bar says to what, and only main's lane is left (it has no ancestors).
    const bar = frame.locator('#scope-bar');
    await bar.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal((await bar.locator('#scope-text').textContent())?.trim(), 'Showing 1 task of main()');
    assert.deepEqual(((await frame.evaluate('window.__lanes.rows()')) as HookRow[]).map((r) => r.key), ['task:1']);
    await shot(page, 'lsp-02b-lens-opens-timeline');
    await bar.locator('#scope-clear').click();
    await bar.waitFor({ state: 'hidden', timeout: 10_000 });
    assert.ok(((await frame.evaluate('window.__lanes.rows()')) as HookRow[]).length > 1, 'Show all brings the other lanes back');
  }));

  it('the quick fix inserts await; the next recording of the fixed file has no finding', step('03', async () => {
    await quickOpen(page, 'never_awaited.py');
    await goToLine(findingLine);
    // Onto the code (the diagnostic's range starts after the indentation).
    await page.keyboard.press('Home');
    await until('the cursor on the code', async () => (await cursorPosition(page)) === `Ln ${findingLine}, Col 5`);
    const fix = page.locator('.action-widget .monaco-list-row, .context-view .action-item', { hasText: "Add 'await' before save" }).first();
    // Asked again until offered: on a loaded machine the first ask can come before the server has the file's
    // diagnostics again (the fresh-clone CI's menu did not show the fix within 20 s).
    await until('the quick fix offered', async () => {
      if (await fix.isVisible()) return true;
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+.');
      return fix.waitFor({ timeout: 5000 }).then(() => true, () => false);
    }, 60_000);
    await shot(page, 'lsp-03-quick-fix-menu');
    await fix.click();
    await page.keyboard.press('Control+S');
    await until('the fix saved', () => readFileSync(example, 'utf8').split('\n')[findingLine - 1] === '    await save("lost")  # finding: never-awaited');
    await recordActive(2);
    await page.keyboard.press('Control+Shift+M');
    await until('no finding in the Problems panel', async () => !(await problems()).some((p) => p.includes('Never awaited')), 60_000);
    await shot(page, 'lsp-03-fixed');
  }));
});
