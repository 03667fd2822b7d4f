// The extension in a real VS Code (code-server + headless Chromium, see workbench.ts): the packaged .vsix is
// installed and a person's steps are driven through the workbench: record an example from the palette and read the
// lanes inside the webview, the side panel, go to source from an await site (with its editor decoration), open a
// .lanes file from the explorer, a trace too big for the timeline and a time window of it, export Chrome JSON, record a typed command, record a JavaScript file (and the
// message for TypeScript without esbuild), watch a recording grow and stop it from
// the status bar, reload the window, a dark theme, the log, debug sessions recorded with their paused tasks (Async Tasks
// view, notes at the await lines, the time cursor: Node, Python 3.11 and 3.14, a restart, two sessions at once, Node
// 22/24/26), and the refusal to record in an untrusted workspace. Screenshots of each step go to
// /tmp/async-lanes-shots/vscode/.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Frame, Page } from 'playwright-core';
import { formatDuration } from '../../src/model/format.js';
import { TraceIndex } from '../../src/model/index.js';
import { isInternal } from '../../src/model/internal.js';
import { parseTrace } from '../../src/model/parser.js';
import { taskLabelOf } from '../../src/model/task-label.js';
import { endTimeOfTail } from '../../src/model/trace-end.js';
import type { HookRow, HookView, LanesHook } from '../../src/protocol/test-hook.js';
import { debianPythonsBin } from '../recorders/lib/pythons.js';
import { answerFileDialog, cursorPosition, launchBrowser, notifications, openWorkbench, packageVsix, quickOpen, ROOT, runCommand, setupCodeServer, shot, startCodeServer, timelineFrame, until, waitForWorkbench, type CodeServer } from './workbench.js';

const dir = mkdtempSync(join(tmpdir(), 'lanes-vscode-'));
const ws = join(dir, 'ws');
const traces = join(ws, '.async-lanes');
let vsix: string;
let browser: Browser;
let server: CodeServer;
let page: Page;
let errors: string[];

/** A test step that leaves a screenshot of the workbench when it fails (then cleans up). */
const step = (name: string, fn: () => Promise<void>, target = () => page, cleanUp: () => Promise<void> = async () => undefined) => async () => {
  try {
    await fn();
  } catch (err) {
    await shot(target(), `FAILED-${name}`).catch(() => undefined);
    await cleanUp().catch(() => undefined);
    throw err;
  }
};

const hook = <T>(frame: Frame, fn: (h: LanesHook) => T): Promise<T> => frame.evaluate(`(${fn.toString()})(window.__lanes)`) as Promise<T>;
const rows = (frame: Frame): Promise<HookRow[]> => hook(frame, (h) => h.rows());
const view = (frame: Frame): Promise<HookView> => hook(frame, (h) => h.view());
const tasks = async (frame: Frame) => (await rows(frame)).filter((r) => r.type === 'task').map((r) => `${r.label}@${r.depth}`);

/** The trace files written so far for `stem`. */
const traceFiles = () => (existsSync(traces) ? readdirSync(traces) : []);
const tracesOf = (stem: string) => traceFiles().filter((f) => f.startsWith(`${stem}-`) && f.endsWith('.lanes'));
const ended = (file: string) => readFileSync(file, 'utf8').includes('["exit"');

/** The Async Tasks view in Run and Debug (its rows' texts) and the notes at the ends of the active editor's lines. */
function pausedTasks() {
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Async Tasks' }) });
  return {
    pane,
    row: (text: string | RegExp) => pane.locator('.monaco-list-row', { hasText: text }),
    rowTexts: async () => (await pane.locator('.monaco-list-row').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()),
    notes: async () => page.evaluate<string[]>(`[...document.querySelectorAll('.editor-group-container.active .view-line')]
      .map((line) => [...line.querySelectorAll('span')].map((el) => getComputedStyle(el, '::after').content).filter((c) => c && c !== 'none' && c !== 'normal').join(' '))
      .filter((c) => c !== '')`),
    waitedMs: (text: string) => [...text.matchAll(/waiting (\d+(?:\.\d+)?) (ms|s) on/g)].map((m) => Number(m[1]) * (m[2] === 's' ? 1000 : 1)),
  };
}

/** Moves the active editor's cursor to `line` (Go to Line). */
async function goToLine(line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const goTo = page.locator('.quick-input-widget .quick-input-box input');
  await goTo.waitFor({ state: 'visible', timeout: 10_000 });
  await goTo.fill(`:${line}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: `go to line ${line}` }).waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await until(`the cursor on line ${line}`, async () => (await cursorPosition(page)).startsWith(`Ln ${line},`));
}

/** Starts a recorded debug session of `config` (written as the workspace's launch.json) from one editor on `source`
 * (after the earlier steps several editor groups and a notification are open) with a breakpoint at `line`; returns
 * its new trace file once the recorder has made it. */
async function startRecordedSession(config: Record<string, unknown>, source: string, line: number): Promise<string> {
  writeLaunchJson({ configurations: [config] });
  const stem = source.replace(/\.[^.]+$/, '');
  const earlier = new Set(tracesOf(stem));
  await runCommand(page, 'View: Close All Editors');
  await runCommand(page, 'Notifications: Clear All Notifications');
  await runCommand(page, 'Remove All Breakpoints'); // (F9 on a line that has one would remove it)
  await breakAt(source, line);
  await page.keyboard.press('F5');
  await until('the trace file', () => tracesOf(stem).some((f) => !earlier.has(f)), 60_000);
  return join(traces, tracesOf(stem).find((f) => !earlier.has(f))!);
}

function writeLaunchJson(launch: { configurations: Record<string, unknown>[]; compounds?: Record<string, unknown>[] }): void {
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(join(ws, '.vscode', 'launch.json'), JSON.stringify({ version: '0.2.0', ...launch }, null, 2));
}

/** Opens `source` and sets a breakpoint at `line`. */
async function breakAt(source: string, line: number): Promise<void> {
  await quickOpen(page, source);
  await goToLine(line);
  await page.keyboard.press('F9');
  await page.locator('.editor-group-container.active .codicon-debug-breakpoint').first().waitFor({ timeout: 10_000 });
}

/** Ends the debug sessions: no breakpoints, continue (each of `sessions` focused in turn, when there are several). */
async function runToTheEnd(sessions: string[] = []): Promise<void> {
  await runCommand(page, 'Remove All Breakpoints');
  await until('no breakpoint in the editor', async () => (await page.locator('.editor-group-container.active .codicon-debug-breakpoint').count()) === 0);
  if (sessions.length === 0) await runCommand(page, 'Debug: Continue');
  for (const name of sessions) {
    await focusSession(name);
    await runCommand(page, 'Debug: Continue');
  }
}

/** A debug session's row in the Call Stack view. */
const callStackSession = (name: string) => page.locator('.debug-call-stack .monaco-list-row .session .name', { hasText: name }).first();

/** Focuses a debug session: Debug: Select Debug Session, then its name (a click on its row in the Call Stack view
 * toggles the row, and may land on the row's buttons). */
async function focusSession(name: string): Promise<void> {
  // The session picker may close before the click (another session's event took the focus): then it is opened again.
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, 'Debug: Select Debug Session');
    try {
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().click({ timeout: 5000 });
      break;
    } catch (err) {
      if (attempt === 5) throw err;
      await page.keyboard.press('Escape');
    }
  }
  const select = page.locator('.debug-toolbar select');
  await until(`${name} focused`, async () => (await select.evaluate((e) => (e as unknown as { selectedOptions: { text: string }[] }).selectedOptions[0]?.text)) === name);
}

/** A failed debug step's clean-up: its log, and its session stopped (the next step's F5 would continue it). */
async function stopDebugging(): Promise<void> {
  printExtensionLog();
  await runCommand(page, 'Debug: Stop', 5000); // (listed only while a session runs)
}

/** The extension's log (its output channel's file in code-server's state folder), printed when a debug step fails. */
function printExtensionLog(): void {
  const logs = spawnSync('find', [join(dir, 'state'), '-name', 'Async Lanes.log'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  for (const log of logs) console.log(`--- ${log}\n${readFileSync(log, 'utf8').split('\n').slice(-60).join('\n')}`);
}

/** The Node versions of scripts/setup-node-versions.sh (22, 24, 26): "version path" lines. */
function nodeVersions(): { version: string; bin: string }[] {
  const out = spawnSync('bash', [join(ROOT, 'scripts', 'setup-node-versions.sh')], { encoding: 'utf8', timeout: 600_000 });
  if (out.status !== 0) throw new Error(`scripts/setup-node-versions.sh failed: ${out.stderr}`);
  return out.stdout.trim().split('\n').map((l) => l.split(' ')).map(([version, bin]) => ({ version, bin }));
}

/** The interpreters the Python debug step runs on: Debian's python3 (debugpy 1.6) and the 3.14 of
 * scripts/setup-pythons.sh (debugpy 1.8), null where it is missing or has no debugpy. */
const DEBUGPY_PYTHONS = [
  { label: '3.11', python: '/usr/bin/python3' },
  { label: '3.14', python: debianPythonsBin().dir === null ? '' : join(debianPythonsBin().dir!, 'python3.14') },
].map((p) => ({ ...p, python: p.python !== '' && spawnSync(p.python, ['-c', 'import debugpy'], { stdio: 'ignore' }).status === 0 ? p.python : null }));

before(async () => {
  setupCodeServer();
  vsix = packageVsix(dir);
  // The Python Debugger extension's debugger, debugpy's adapter, for the "debugpy" type (a test-only stand-in).
  mkdirSync(join(dir, 'debugpy-stand-in'));
  const standIn = packageVsix(join(dir, 'debugpy-stand-in'), join(ROOT, 'test', 'vscode', 'fixtures', 'debugpy-stand-in'));
  mkdirSync(join(ws, 'app'), { recursive: true });
  copyFileSync(join(ROOT, 'examples', 'python', 'gather_sleeps.py'), join(ws, 'app', 'gather_sleeps.py'));
  copyFileSync(join(ROOT, 'examples', 'node', 'gather_timers.js'), join(ws, 'app', 'gather_timers.js'));
  copyFileSync(join(ROOT, 'examples', 'node', 'gather_timers.ts'), join(ws, 'app', 'gather_timers.ts'));
  copyFileSync(join(ROOT, 'test', 'fixtures', 'gather.lanes'), join(ws, 'fixture.lanes'));
  writeFileSync(join(ws, 'app', 'forever.py'), [
    'import asyncio', '', '',
    'async def tick(n):', '    while True:', '        await asyncio.sleep(0.05)', '', '',
    'async def main():', '    print("ticking until stopped", flush=True)', '    await asyncio.gather(tick(1), tick(2))', '', '',
    'asyncio.run(main())', '',
  ].join('\n'));
  server = await startCodeServer(join(dir, 'state'), ws, `${vsix} ${standIn}`);
  browser = await launchBrowser();
  ({ page, errors } = await openWorkbench(browser, server.url));
});

after(async () => {
  await browser?.close();
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Async Lanes in VS Code (code-server)', () => {
  let gatherTrace: string;

  it('Record Current File from the palette: the program runs in a terminal, its lanes fill the timeline, the trace is saved', step('01', async () => {
    await quickOpen(page, 'gather_sleeps.py');
    await runCommand(page, 'Async Lanes: Record Current File');
    await until('the trace file', () => tracesOf('gather_sleeps').length === 1);
    gatherTrace = join(traces, tracesOf('gather_sleeps')[0]);
    assert.match(gatherTrace, /gather_sleeps-\d{8}-\d{6}\.lanes$/);
    await until('the program to end', () => ended(gatherTrace));
    const index = new TraceIndex(parseTrace(readFileSync(gatherTrace, 'utf8')));
    const frame = await timelineFrame(page, 'gather_sleeps-');
    // asyncio.run's shutdown tasks are no rows until their collapsed "asyncio internals" group is opened.
    const program = index.tasks.filter((t) => !isInternal(index, t)).length;
    await frame.waitForFunction((n) => (globalThis as unknown as { __lanes: LanesHook }).__lanes.rows().filter((r) => r.type === 'task').length === n, program, { timeout: 30_000 });
    const list = await rows(frame);
    assert.equal(list[0].type, 'loop');
    // main's task and the three gathered fetches under it (asyncio.run adds its own shut-down tasks after them).
    assert.deepEqual((await tasks(frame)).slice(0, 4), ['main@0', 'fetch@1', 'fetch@1', 'fetch@1']);
    // The program's output is in the recording's terminal.
    await page.locator('.terminal-tab, .single-terminal-tab, .terminal-tabs-entry', { hasText: 'Async Lanes: gather_sleeps.py' }).first().waitFor({ timeout: 10_000 }).catch(() => undefined);
    await shot(page, '01-record-current-file');
  }));

  it('side panel: recent recordings, the task tree with states, clicking a task selects it and opens its creation site', step('02', async () => {
    await page.locator('.activitybar .action-item a[aria-label^="Async Lanes"]').click();
    const pane = page.locator('.sidebar');
    await pane.locator('.monaco-list-row', { hasText: /gather_sleeps-\d{8}/ }).first().waitFor({ timeout: 20_000 });
    const task2 = pane.locator('.monaco-list-row[aria-level="2"]', { hasText: 'Task-2' }).first();
    await task2.waitFor({ timeout: 20_000 });
    assert.match((await task2.textContent()) ?? '', /^fetch\s*Task-2 · finished · /, 'what runs there, then its automatic name');
    // asyncio.run's shutdown tasks: in one collapsed group after the program's tasks, as in the timeline.
    const internals = pane.locator('.monaco-list-row[aria-level="1"]', { hasText: 'asyncio internals' }).first();
    await internals.waitFor({ timeout: 10_000 });
    assert.equal(await internals.getAttribute('aria-expanded'), 'false', 'the internals group starts collapsed');
    assert.equal(await pane.locator('.monaco-list-row', { hasText: 'shutdown_default_executor' }).count(), 0, 'no shutdown task among the rows');
    await task2.click();
    const frame = await timelineFrame(page, 'gather_sleeps-');
    await until('Task-2 selected in the timeline', async () => (await view(frame)).selected === 'task:2');
    // Task-2 was created by gather() in main, line 18 of the example.
    await until('the editor at the creation site', async () => (await cursorPosition(page)).startsWith('Ln 18,'));
    assert.equal(await page.locator('.editor-group-container.active .tab.active').first().getAttribute('data-resource-name'), 'gather_sleeps.py');
    await shot(page, '02-side-panel');
  }));

  it('go to source: an await site clicked in the timeline opens the file at that line, with the wait counts beside it', step('03', async () => {
    const frame = await timelineFrame(page, 'gather_sleeps-');
    await frame.locator('[role=treeitem][data-key="task:3"]').click();
    await until('Task-3 selected', async () => (await view(frame)).selected === 'task:3');
    const site = frame.locator('table.grid td.site button.source').first();
    assert.match((await site.textContent()) ?? '', /gather_sleeps\.py:12/);
    await site.click();
    await until('the editor at the await site', async () => (await cursorPosition(page)).startsWith('Ln 12,'));
    // The selected task's await site carries its decoration: "awaited 1× (sleep) · total … · max …".
    // (read in the group that shows the file: a click in the timeline's frame may leave the workbench's focus there)
    const note = async () => page.evaluate<string>(`[...document.querySelectorAll('.editor-group-container')]
      .filter((g) => g.querySelector('.tab.active')?.getAttribute('data-resource-name') === 'gather_sleeps.py')
      .flatMap((g) => [...g.querySelectorAll('.view-line span')])
      .map((el) => getComputedStyle(el, '::after').content).filter((c) => c && c !== 'none' && c !== 'normal').join('\\n')`);
    await until('the await-site decoration', async () => /awaited 1×/.test(await note()));
    assert.match(await note(), /fetch \(Task-3\): awaited 1× \(sleep\) · total \d+(\.\d+)? ms · max/);
    await shot(page, '03-go-to-source');
  }));

  it('a .lanes file opens from the explorer in the timeline editor', step('04', async () => {
    await page.locator('.activitybar .action-item a[aria-label^="Explorer"]').click();
    const item = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'fixture.lanes' }).first();
    await item.waitFor({ timeout: 20_000 });
    await item.dblclick();
    const frame = await timelineFrame(page, 'fixture.lanes');
    const index = new TraceIndex(parseTrace(readFileSync(join(ws, 'fixture.lanes'), 'utf8')));
    assert.deepEqual(await tasks(frame), index.tasks.map((t) => `${taskLabelOf(t).text}@${t.parent === null ? 0 : 1}`));
    // (the group it opens in is the focused one, which a click in the timeline's frame may have kept)
    assert.equal(await page.locator('.tab.active[data-resource-name="fixture.lanes"]').count(), 1);
    await shot(page, '04-open-lanes-file');
  }));

  it('Export Trace… writes Chrome Trace Event JSON of the active timeline', step('05', async () => {
    const out = join(ws, 'exported.json');
    await runCommand(page, 'Async Lanes: Export Trace');
    await answerFileDialog(page, join(ws, 'fixture.json'), out);
    await until('the exported file', () => existsSync(out) && readFileSync(out, 'utf8').trimEnd().endsWith('}'));
    const json = JSON.parse(readFileSync(out, 'utf8')) as { traceEvents: { ph: string; name: string; pid: number; tid: number }[] };
    assert.ok(Array.isArray(json.traceEvents));
    const names = new Set(json.traceEvents.filter((e) => e.ph === 'M').map((e) => `${e.name}`));
    assert.ok(names.has('thread_name'), 'lanes are named threads');
    assert.ok(json.traceEvents.some((e) => e.ph === 'X'), 'complete events for the steps');
    await until('the export notification', async () => (await notifications(page)).some((n) => /exported \d+ events to exported\.json/.test(n)));
    await shot(page, '05-export');
  }));

  it('Record Command… records a typed command line, run in the workspace folder', step('05b', async () => {
    const before = new Set(tracesOf('gather_sleeps'));
    await runCommand(page, 'Async Lanes: Record Command');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 20_000 });
    await input.fill('python3 "app/gather_sleeps.py"');
    await page.keyboard.press('Enter');
    await until('a new trace', () => tracesOf('gather_sleeps').some((f) => !before.has(f)));
    const file = tracesOf('gather_sleeps').find((f) => !before.has(f))!;
    await until('the program to end', () => ended(join(traces, file)));
    const frame = await timelineFrame(page, file);
    await frame.waitForFunction(() => (globalThis as unknown as { __lanes: LanesHook }).__lanes.rows().some((r) => r.sub === 'Task-4'));
    assert.deepEqual((await tasks(frame)).slice(0, 4), ['main@0', 'fetch@1', 'fetch@1', 'fetch@1']);
    await shot(page, '05b-record-command');
  }));

  it('Record Current File on a JavaScript file: the Node recorder, the lanes of main and its three fetches', step('05c', async () => {
    await quickOpen(page, 'gather_timers.js');
    await runCommand(page, 'Async Lanes: Record Current File');
    await until('the trace file', () => tracesOf('gather_timers').length === 1);
    const file = join(traces, tracesOf('gather_timers')[0]);
    await until('the program to end', () => ended(file));
    const index = new TraceIndex(parseTrace(readFileSync(file, 'utf8')));
    assert.equal(index.meta.header.runtime, 'node');
    assert.equal(index.tasks.length, 4);
    const frame = await timelineFrame(page, 'gather_timers-');
    await frame.waitForFunction(() => (globalThis as unknown as { __lanes: LanesHook }).__lanes.rows().filter((r) => r.type === 'task').length === 4, undefined, { timeout: 30_000 });
    // main's task at the top, the three fetches it gathered under it.
    assert.deepEqual(await tasks(frame), index.tasks.map((t) => `${taskLabelOf(t).text}@${t.parent === null ? 0 : 1}`));
    assert.deepEqual((await tasks(frame)).map((t) => t.split('@')[1]), ['0', '1', '1', '1']);
    await page.waitForTimeout(300);
    await shot(page, '05c-record-javascript');
  }));

  it('TypeScript without esbuild in the project: a clear message, nothing recorded', step('05d', async () => {
    await quickOpen(page, 'gather_timers.ts');
    await runCommand(page, 'Async Lanes: Record Current File');
    await until('the message', async () => (await notifications(page)).some((n) => /Recording TypeScript needs Node 22\.18\+ \(it strips types itself\) or esbuild in your project: npm i -D esbuild/.test(n)));
    assert.equal(tracesOf('gather_timers').length, 1, 'no second recording');
    await shot(page, '05d-typescript-needs-esbuild');
  }));

  it('a running program fills the timeline live; the status bar item stops it and the trace is kept', step('06', async () => {
    await quickOpen(page, 'forever.py');
    // This time from the editor's title bar.
    await page.locator('.editor-group-container.active .editor-actions .action-label[aria-label*="Record Current File"]').click();
    const status = page.locator('.statusbar-item', { hasText: 'Recording forever.py' });
    await status.waitFor({ timeout: 30_000 });
    const frame = await timelineFrame(page, 'forever-');
    const first = (await view(frame)).endNs;
    await until('the live timeline to grow', async () => (await view(frame)).endNs > first + 100e6);
    assert.ok((await view(frame)).follow, 'follows the end while live');
    await shot(page, '06-live-recording');
    await status.click();
    const file = join(traces, tracesOf('forever')[0]);
    await until('the stopped program to end with an exit record', () => ended(file));
    await status.waitFor({ state: 'detached', timeout: 20_000 });
    const index = new TraceIndex(parseTrace(readFileSync(file, 'utf8')));
    assert.ok(index.meta.exit, 'the trace has its exit record');
    assert.ok(index.tasks.length >= 3);
    await frame.waitForFunction((n) => (globalThis as unknown as { __lanes: LanesHook }).__lanes.rows().filter((r) => r.type === 'task').length >= n, 3);
    await frame.locator('[role=treeitem][data-key="task:2"]').click();
    await until('Task-2 selected', async () => (await view(frame)).selected === 'task:2');
    await page.waitForTimeout(600); // the view saves its state at most every 300 ms
    await shot(page, '07-stopped');
  }));

  it('after a window reload the recording panel comes back (serializer) with its selection', step('07', async () => {
    // Reload Window (not a page reload: VS Code saves its editor layout when it shuts the window down).
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForEvent('load', { timeout: 60_000 });
    await waitForWorkbench(page);
    // Restored webview tabs are revived (deserializeWebviewPanel) when shown.
    await page.locator('.tab', { hasText: /forever-\d{8}-\d{6}\.lanes/ }).first().click({ timeout: 60_000 });
    const frame = await timelineFrame(page, 'forever-', 90_000);
    await until('the restored selection', async () => (await view(frame)).selected === 'task:2');
    assert.ok((await tasks(frame)).length >= 3);
    await shot(page, '08-reloaded');
  }));

  it('the timeline takes VS Code\'s theme colours (switched to a dark theme)', step('07b', async () => {
    await runCommand(page, 'Preferences: Color Theme');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('Dark Modern');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor();
    await page.keyboard.press('Enter');
    const frame = await timelineFrame(page, 'forever-');
    await frame.waitForFunction(`document.body.classList.contains('vscode-dark')`);
    const colours = await frame.evaluate<{ editor: string; body: string; fg: string }>(`(() => {
      const css = getComputedStyle(document.body);
      return { editor: css.getPropertyValue('--vscode-editor-background').trim(), body: css.backgroundColor, fg: css.getPropertyValue('--vscode-foreground').trim() };
    })()`);
    assert.ok(colours.editor !== '' && colours.fg !== '', 'VS Code passes its theme variables');
    const [r, g, b] = (colours.body.match(/\d+/g) ?? []).map(Number);
    assert.ok(r + g + b < 3 * 80, `a dark background (${colours.body})`);
    await page.waitForTimeout(300);
    await shot(page, '08b-dark-theme');
  }));

  it('the extension logs to its output channel', step('07c', async () => {
    await runCommand(page, 'Async Lanes: Show Log');
    const output = page.locator('.part.panel .view-lines');
    // (this window's extension host started at the reload: it activated and restored the recording's timeline)
    const log = async () => ((await output.first().textContent()) ?? '').replace(/\u00a0/g, ' ');
    await until('the log lines', async () => /activated \(VS Code[^]*timeline: \S+forever-\d{8}-\d{6}\.lanes/.test(await log()));
    await shot(page, '08c-log');
  }));

  it('a missing interpreter (asyncLanes.pythonPath) is a clear message, not a hang', step('07d', async () => {
    mkdirSync(join(ws, '.vscode'), { recursive: true });
    writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'asyncLanes.pythonPath': '/nonexistent/python3' }));
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'gather_sleeps.py' }).first().click();
    await page.locator('.tab.active', { hasText: 'gather_sleeps.py' }).first().waitFor({ timeout: 20_000 });
    await until('the setting to be read', async () => {
      await runCommand(page, 'Async Lanes: Record Current File');
      await page.waitForTimeout(1500);
      return (await notifications(page)).some((n) => /cannot run "\/nonexistent\/python3": not found/.test(n));
    }, 60_000);
    await shot(page, '08d-missing-interpreter');
    assert.deepEqual(errors.filter((e) => !/ResizeObserver/.test(e)), []);
  }));

  it('a trace too big for the timeline says so and how long it runs; its button asks for a time window, which opens with its lanes', step('07e', async () => {
    // A generated trace just over the timeline's budget (100 MB), as the Python recorder writes one.
    const big = join(ws, 'big.lanes');
    const gen = spawnSync(process.execPath, [join(ROOT, 'bench', 'gen-trace.mjs'), big, '101'], { encoding: 'utf8' });
    assert.equal(gen.status, 0, gen.stderr);
    const lastChunk = readFileSync(big, 'utf8').slice(-1 << 20);
    await runCommand(page, 'Async Lanes: Open Trace');
    await answerFileDialog(page, `${ws}/`, big);
    const frame = await timelineFrame(page, 'big.lanes', 60_000, false);
    const notice = frame.locator('#notices .notice.error');
    await notice.locator('#window-way button').waitFor({ timeout: 30_000 });
    const length = formatDuration(endTimeOfTail(lastChunk)!);
    assert.match((await notice.textContent())!, new RegExp(`This trace is too big for the timeline: 101 MB over ${length}, and the timeline holds up to 100 MB\\. Open a time window of it \\(times after the trace's start, up to ${length};`));
    await shot(page, '07e-too-big');
    await notice.locator('#window-way button', { hasText: 'Open Time Window…' }).click();
    const input = page.locator('.quick-input-widget .quick-input-box input');
    const prompt = page.locator('.quick-input-widget');
    await until('the From prompt', async () => /From: the window's start, after the start of big\.lanes/.test((await prompt.textContent().catch(() => '')) ?? ''));
    await shot(page, '07f-window-prompt');
    await input.fill('1s');
    await page.keyboard.press('Enter');
    await until('the To prompt', async () => /To: the window's end/.test((await prompt.textContent().catch(() => '')) ?? ''));
    await input.fill('2s');
    await page.keyboard.press('Enter');
    const win = await timelineFrame(page, 'big.lanes [1.00 s – 2.00 s]', 120_000);
    assert.ok((await tasks(win)).length > 10, 'the window shows the tasks alive in it');
    assert.match((await win.locator('#notices').textContent())!, /A time window of the trace, from 1\.00 s to 2\.00 s after its start/);
    await shot(page, '07g-time-window');
    rmSync(big);
  }));

  it('a debug session with "asyncLanes": true: at each breakpoint the Async Tasks view and the await lines show every task\'s state; the recording stays', step('07h', async () => {
    // Three fetchItem tasks sleep 100, 200 and 300 ms under main's Promise.all; the breakpoint is on fetchItem's return.
    const file = await startRecordedSession({ type: 'node', request: 'launch', name: 'gather_timers (Async Lanes)', program: '${workspaceFolder}/app/gather_timers.js', asyncLanes: true }, 'gather_timers.js', 6);
    const { row, rowTexts, notes, waitedMs, pane } = pausedTasks();

    // First stop: fetchItem(1) at the breakpoint after 100 ms; fetchItem(2) and (3) still asleep at line 5.
    await row('at the breakpoint').first().waitFor({ timeout: 60_000 });
    await until('the three fetchItem rows', async () => (await rowTexts()).filter((r) => r.startsWith('fetchItem')).length === 3);
    let list = await rowTexts();
    assert.match(list[0], /^main/, 'main, the parent of the task at the breakpoint, first');
    assert.match(list[1], /^fetchItem.*at the breakpoint · task \d+ · running/, 'its child at the breakpoint first and marked');
    for (const r of list.slice(2, 4)) assert.match(r, /^fetchItem.*waiting \d+(\.\d+)? m?s on a promise · gather_timers\.js:5/);
    for (const ms of waitedMs(list.slice(2, 4).join(' '))) assert.ok(ms >= 90, `they slept since the start: ${ms} ms`);
    await until('the notes at the await lines', async () => (await notes()).some((n) => /‖ fetchItem · task \d+: waiting/.test(n)));
    let shown = await notes();
    const line5 = shown.find((n) => n.includes('‖ fetchItem'))!;
    assert.equal(line5.match(/‖ fetchItem · task \d+: waiting \d+(\.\d+)? m?s on a promise/g)?.length, 2, line5);
    // The timeline's time cursor is at the pause.
    const live = await timelineFrame(page, basename(file));
    const cursorAtPause = async () => (await pane.textContent())?.includes(`Paused at ${formatDuration((await view(live)).cursorT ?? -1)} of the trace: 4 tasks`) === true;
    await until('the time cursor at the pause', cursorAtPause);
    const firstCursor = (await view(live)).cursorT!;
    assert.ok(shown.some((n) => /‖ main · task \d+: waiting .* on /.test(n)), `main's note at line 10: ${shown.join(' | ')}`);
    await shot(page, '07h-debug-first-pause');
    // The editor alone, to see the notes whole.
    await runCommand(page, 'View: Toggle Maximize Editor Group');
    await shot(page, '07h2-debug-notes');
    await runCommand(page, 'View: Toggle Maximize Editor Group');

    // Continue: the notes go; the second stop is fetchItem(2)'s, fetchItem(1) has finished, fetchItem(3) still waits.
    await page.keyboard.press('F5');
    await until('the second pause', async () => {
      const l = await rowTexts();
      return l.some((r) => /finished/.test(r)) && l.some((r) => /at the breakpoint/.test(r));
    }, 60_000);
    list = await rowTexts();
    assert.match(list[1], /at the breakpoint · task \d+ · running/);
    assert.equal(list.filter((r) => /^fetchItem.*finished/.test(r)).length, 1, list.join('\n'));
    const still = list.filter((r) => /^fetchItem.*waiting/.test(r));
    assert.equal(still.length, 1, list.join('\n'));
    assert.ok(waitedMs(still[0])[0] >= 190, still[0]);
    await until('the time cursor at the second pause', async () => (await view(live)).cursorT! > firstCursor && (await cursorAtPause()));
    await until('one note left at line 5', async () => (await notes()).some((n) => n.match(/‖ fetchItem/g)?.length === 1));
    shown = await notes();
    await shot(page, '07i-debug-second-pause');

    // Clear the breakpoint and let it run to the end: the session ends, the timeline has the whole recording.
    // Commands, not F9/F5: F9 toggles a breakpoint wherever the cursor is, and after a pause the cursor or the
    // focus may not be on line 6 (CI once added a breakpoint elsewhere and the program paused again).
    await runCommand(page, 'Remove All Breakpoints');
    await until('no breakpoint in the editor', async () => (await page.locator('.editor-group-container.active .codicon-debug-breakpoint').count()) === 0);
    await runCommand(page, 'Debug: Continue');
    await until('the program to end', () => ended(file), 60_000);
    await until('the notes cleared', async () => !(await notes()).some((n) => n.includes('‖')));
    const index = new TraceIndex(parseTrace(readFileSync(file, 'utf8')));
    assert.equal(index.tasks.length, 4);
    assert.deepEqual(index.blocks, [], 'the steps stopped at the breakpoint did not block the loop');
    const frame = await timelineFrame(page, basename(file));
    await frame.waitForFunction(() => (globalThis as unknown as { __lanes: LanesHook }).__lanes.rows().filter((r) => r.type === 'task').length === 4, undefined, { timeout: 30_000 });
    await shot(page, '07j-debug-ended');
  }, () => page, stopDebugging));

  // The same with Python under debugpy (the stand-in extension runs its adapter), on each interpreter that has it.
  for (const { label, python } of DEBUGPY_PYTHONS) {
    it(`a Python debug session (debugpy, ${label}) with "asyncLanes": true: the paused tasks at each breakpoint; the recording stays`, { skip: python === null ? `${label}: no interpreter with debugpy` : false }, step(`07k-${label}`, async () => {
      // gather_sleeps.py: main gathers fetch("a", 0.1), fetch("b", 0.2), fetch("c", 0.3); the breakpoint is on fetch's
      // return (line 13), after its sleep (line 12).
      const file = await startRecordedSession({ type: 'debugpy', request: 'launch', name: 'gather_sleeps (Async Lanes)', program: '${workspaceFolder}/app/gather_sleeps.py', python, console: 'integratedTerminal', asyncLanes: true }, 'gather_sleeps.py', 13);
      const { row, rowTexts, notes, waitedMs, pane } = pausedTasks();

      // First stop: fetch("a") at the breakpoint; b and c asleep at line 12 (or b just woken, when the loop came to a's
      // wake late on a loaded machine: both sleeps were due in one iteration); main waiting on the gather at line 18.
      await row('at the breakpoint').first().waitFor({ timeout: 90_000 });
      await until('the three fetch rows', async () => (await rowTexts()).filter((r) => r.startsWith('fetch')).length === 3);
      let list = await rowTexts();
      assert.match(list[0], /^main ?Task-1 · waiting .* on gather of 3 · gather_sleeps\.py:18/, 'main, the parent of the task at the breakpoint, first');
      assert.match(list[1], /^fetch ?at the breakpoint · Task-\d · running/, 'its child at the breakpoint first and marked');
      for (const r of list.slice(2, 4)) assert.match(r, /^fetch ?Task-\d · (waiting \d+(\.\d+)? [mµ]?s on sleep|scheduled \S+ [mµ]?s \(woken from sleep\)) · gather_sleeps\.py:12/);
      for (const ms of waitedMs(list.slice(2, 4).join(' '))) assert.ok(ms >= 90, `they slept since the start: ${ms} ms`);
      await until('the notes at the await lines', async () => (await notes()).some((n) => /‖ fetch · Task-\d: (waiting|scheduled)/.test(n)));
      const shown = await notes();
      assert.equal(shown.find((n) => n.includes('‖ fetch'))!.match(/‖ fetch · Task-\d: (waiting \d+(\.\d+)? [mµ]?s on sleep|scheduled \S+ [mµ]?s \(woken from sleep\))/g)?.length, 2, shown.join(' | '));
      assert.ok(shown.some((n) => /‖ main · Task-1: waiting .* on gather of 3/.test(n)), `main's note at line 18: ${shown.join(' | ')}`);
      const live = await timelineFrame(page, basename(file));
      const cursorAtPause = async () => (await pane.textContent())?.includes(`Paused at ${formatDuration((await view(live)).cursorT ?? -1)} of the trace: 4 tasks`) === true;
      await until('the time cursor at the pause', cursorAtPause);
      const firstCursor = (await view(live)).cursorT!;
      await shot(page, `07k-${label}-debugpy-first-pause`);
      // The editor alone, to see the notes whole.
      await runCommand(page, 'View: Toggle Maximize Editor Group');
      await shot(page, `07k-${label}-debugpy-notes`);
      await runCommand(page, 'View: Toggle Maximize Editor Group');

      // Continue: b at the breakpoint, a finished, c asleep or already woken (asyncio resolves both sleeps that are
      // due in one loop iteration, then runs b's step: after a pause longer than 0.3 s, c is scheduled).
      await page.keyboard.press('F5');
      await until('the second pause', async () => {
        const l = await rowTexts();
        return l.some((r) => /finished/.test(r)) && l.some((r) => /at the breakpoint/.test(r));
      }, 60_000);
      list = await rowTexts();
      assert.match(list[1], /^fetch ?at the breakpoint · Task-\d · running/);
      assert.equal(list.filter((r) => /^fetch.*finished/.test(r)).length, 1, list.join('\n'));
      assert.equal(list.filter((r) => /^fetch ?Task-\d · (waiting \S+ [mµ]?s on sleep|scheduled \S+ [mµ]?s \(woken from sleep\)) · gather_sleeps\.py:12/.test(r)).length, 1, list.join('\n'));
      await until('the time cursor at the second pause', async () => (await view(live)).cursorT! > firstCursor && (await cursorAtPause()));
      await until('one note left at line 12', async () => (await notes()).some((n) => n.match(/‖ fetch/g)?.length === 1));
      await shot(page, `07k-${label}-debugpy-second-pause`);

      await runCommand(page, 'Remove All Breakpoints');
      await until('no breakpoint in the editor', async () => (await page.locator('.editor-group-container.active .codicon-debug-breakpoint').count()) === 0);
      await runCommand(page, 'Debug: Continue');
      await until('the program to end', () => ended(file), 60_000);
      await until('the notes cleared', async () => !(await notes()).some((n) => n.includes('‖')));
      await until('the pause cursor cleared', async () => (await view(live)).cursorT === null);
      const index = new TraceIndex(parseTrace(readFileSync(file, 'utf8')));
      assert.deepEqual(index.meta.header.argv, [join(ws, 'app', 'gather_sleeps.py')], "the program's trace, not debugpy's launcher's");
      const program = index.tasks.filter((t) => !isInternal(index, t));
      assert.deepEqual(program.map((t) => `${t.coro}:${t.state}`), ['main:ok', 'fetch:ok', 'fetch:ok', 'fetch:ok']);
      assert.deepEqual(index.blocks, [], 'the steps stopped at the breakpoint did not block the loop');
      const frame = await timelineFrame(page, basename(file));
      await frame.waitForFunction((n) => (globalThis as unknown as { __lanes: LanesHook }).__lanes.rows().filter((r) => r.type === 'task').length === n, program.length, { timeout: 30_000 });
      await shot(page, `07k-${label}-debugpy-ended`);
    }, () => page, stopDebugging));
  }
  const [py311] = DEBUGPY_PYTHONS;
  const pythonConfig = { type: 'debugpy', request: 'launch', name: 'gather_sleeps (Async Lanes)', program: '${workspaceFolder}/app/gather_sleeps.py', python: py311.python, console: 'integratedTerminal', asyncLanes: true };
  const nodeConfig = { type: 'node', request: 'launch', name: 'gather_timers (Async Lanes)', program: '${workspaceFolder}/app/gather_timers.js', asyncLanes: true };

  // A restart: debugpy relaunches the program (terminate/disconnect with restart), js-debug answers a restart request.
  const restarts = [
    { label: 'debugpy', config: pythonConfig, source: 'gather_sleeps.py', line: 13, atBreakpoint: /^fetch ?at the breakpoint · Task-\d · running/, skip: py311.python === null ? 'no Python with debugpy' : false },
    { label: 'js-debug', config: nodeConfig, source: 'gather_timers.js', line: 6, atBreakpoint: /^fetchItem.*at the breakpoint · task \d+ · running/, skip: false as const },
  ];
  for (const { label, config, source, line, atBreakpoint, skip } of restarts) {
    it(`a recorded debug session restarted (${label}): the new process's trace is shown live, with the pause cursor and the Async Tasks at its breakpoint`, { skip }, step(`07l-${label}`, async () => {
      const first = await startRecordedSession(config, source, line);
      const { row, pane } = pausedTasks();
      const cursorAtPause = async (live: Frame) => (await pane.textContent())?.includes(`Paused at ${formatDuration((await view(live)).cursorT ?? -1)} of the trace: 4 tasks`) === true;
      await row('at the breakpoint').first().waitFor({ timeout: 90_000 });
      const firstLive = await timelineFrame(page, basename(first));
      await until('the time cursor at the pause', () => cursorAtPause(firstLive));
      const earlier = new Set(traceFiles());
      await runCommand(page, 'Debug: Restart');
      const stem = basename(first, '.lanes');
      await until('the new process\'s trace', () => traceFiles().some((f) => !earlier.has(f) && f.startsWith(`${stem}.`)), 60_000);
      const second = join(traces, traceFiles().find((f) => !earlier.has(f) && f.startsWith(`${stem}.`))!);
      assert.match(basename(second).slice(stem.length), /^\.\d+\.lanes$/, 'the new process\'s trace beside the first');
      // Its own live timeline, which the pause in the new process marks; the Async Tasks view shows that pause.
      const live = await timelineFrame(page, basename(second), 90_000);
      await until('the pause cursor in the new trace', async () => (await view(live)).cursorT !== null && (await cursorAtPause(live)), 90_000);
      // (the view's rows are drawn after its message line: wait for them)
      await until('the task at the breakpoint in Async Tasks', async () => atBreakpoint.test((await pausedTasks().rowTexts())[1] ?? ''));
      await shot(page, `07l-debug-restarted-${label}`);
      await runToTheEnd();
      await until('the new process to end', () => ended(second), 60_000);
      const [a, b] = [first, second].map((f) => new TraceIndex(parseTrace(readFileSync(f, 'utf8'))).meta.header.pid);
      assert.notEqual(a, b);
      await until('the pause cursor cleared', async () => (await view(live)).cursorT === null);
    }, () => page, stopDebugging));
  }

  it('two recorded debug sessions at once (a compound: Python and Node): each keeps its own pause, Async Tasks and pause cursor', { skip: py311.python === null ? 'no Python with debugpy' : false }, step('07m', async () => {
    writeLaunchJson({ configurations: [pythonConfig, nodeConfig], compounds: [{ name: 'both (Async Lanes)', configurations: [pythonConfig.name, nodeConfig.name] }] });
    const earlier = new Set(traceFiles());
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Notifications: Clear All Notifications');
    await runCommand(page, 'Remove All Breakpoints');
    await breakAt('gather_sleeps.py', 13);
    await breakAt('gather_timers.js', 6);
    await runCommand(page, 'Debug: Select and Start Debugging');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'both (Async Lanes)' }).first().click();
    const newTrace = (stem: string) => traceFiles().find((f) => !earlier.has(f) && f.startsWith(`${stem}-`));
    await until('both traces', () => newTrace('gather_sleeps') !== undefined && newTrace('gather_timers') !== undefined, 90_000);
    const files = { python: join(traces, newTrace('gather_sleeps')!), node: join(traces, newTrace('gather_timers')!) };
    const { rowTexts, pane } = pausedTasks();
    /** Focuses the session, then: its timeline's pause cursor, the Async Tasks rows. */
    const pausedIn = async (session: string, file: string, task: RegExp) => {
      await focusSession(session);
      await until(`${session}'s tasks`, async () => (await rowTexts()).filter((r) => task.test(r)).length === 3, 90_000);
      await page.locator('.tab', { hasText: basename(file) }).first().click();
      const live = await timelineFrame(page, basename(file));
      await until(`${session}'s pause cursor`, async () => (await view(live)).cursorT !== null && (await pane.textContent())?.includes(`Paused at ${formatDuration((await view(live)).cursorT!)} of the trace: 4 tasks`) === true, 60_000);
      return { cursor: (await view(live)).cursorT!, rows: await rowTexts() };
    };
    await until('both sessions in the Call Stack', async () => (await callStackSession(pythonConfig.name).count()) > 0 && (await callStackSession(nodeConfig.name).count()) > 0, 90_000);
    const py = await pausedIn(pythonConfig.name, files.python, /^fetch ?(at the breakpoint · )?Task-/);
    const js = await pausedIn(nodeConfig.name, files.node, /^fetchItem/);
    assert.ok(!js.rows.some((r) => /^fetch ?(at the breakpoint · )?Task-/.test(r)), js.rows.join('\n'));
    await shot(page, '07m-two-sessions-node');
    // The Node session goes on to its second stop; the Python one stays paused where it was.
    await runCommand(page, 'Debug: Continue');
    await until('the Node session\'s second pause', async () => (await rowTexts()).some((r) => /^fetchItem.*finished/.test(r)), 60_000);
    const again = await pausedIn(pythonConfig.name, files.python, /^fetch ?(at the breakpoint · )?Task-/);
    assert.equal(again.cursor, py.cursor, 'the Python pause cursor did not move');
    assert.deepEqual(again.rows, py.rows);
    await shot(page, '07m-two-sessions-python');
    await runToTheEnd([pythonConfig.name, nodeConfig.name]);
    await until('both programs to end', () => ended(files.python) && ended(files.node), 60_000);
  }, () => page, async () => {
    // (failed: the next steps start their own sessions with F5, which would continue these)
    printExtensionLog();
    for (const name of [pythonConfig.name, nodeConfig.name]) {
      if ((await callStackSession(name).count()) === 0) continue;
      await focusSession(name);
      await runCommand(page, 'Debug: Stop');
    }
  }));

  // js-debug attaches to a worker thread started after it (its bootloader comes first in NODE_OPTIONS) and holds it at
  // "Break on start": the recorder writes on the program's thread under a debugger, so a pause does not wait on one.
  it('a Node debug session on Node 22, 24 and 26 (runtimeExecutable): the paused tasks at the breakpoint; the recording stays', step('07n', async () => {
    const failed: string[] = [];
    for (const { version, bin } of nodeVersions()) {
      const file = await startRecordedSession({ ...nodeConfig, name: `gather_timers on ${version}`, runtimeExecutable: bin }, 'gather_timers.js', 6);
      try {
        const { row, rowTexts, pane } = pausedTasks();
        await row('at the breakpoint').first().waitFor({ timeout: 60_000 });
        await until('the three fetchItem rows', async () => (await rowTexts()).filter((r) => r.startsWith('fetchItem')).length === 3);
        const list = await rowTexts();
        assert.match(list[1], /^fetchItem.*at the breakpoint · task \d+ · running/, list.join('\n'));
        for (const r of list.slice(2, 4)) assert.match(r, /^fetchItem.*waiting \d+(\.\d+)? m?s on a promise · gather_timers\.js:5/);
        const live = await timelineFrame(page, basename(file));
        await until('the time cursor at the pause', async () => (await pane.textContent())?.includes(`Paused at ${formatDuration((await view(live)).cursorT ?? -1)} of the trace: 4 tasks`) === true);
      } catch (err) {
        failed.push(`${version}: ${String(err).split('\n')[0]}`);
        printExtensionLog();
      }
      await shot(page, `07n-debug-node-${version}`);
      await runToTheEnd();
      await until('the program to end', () => ended(file), 60_000);
      const index = new TraceIndex(parseTrace(readFileSync(file, 'utf8')));
      assert.equal(`v${index.meta.header.runtimeVersion}`, version);
      assert.equal(index.tasks.length, 4);
    }
    assert.deepEqual(failed, []);
  }, () => page, stopDebugging));
});

describe('Async Lanes in an untrusted workspace', () => {
  let untrusted: CodeServer;
  let p: Page;

  before(async () => {
    untrusted = await startCodeServer(join(dir, 'state-untrusted'), ws, vsix, true);
    ({ page: p } = await openWorkbench(browser, untrusted.url));
  });
  after(() => untrusted?.stop());

  it('recording is refused with a clear message; opening a trace still works', step('08', async () => {
    const no = p.locator('.monaco-dialog-box .monaco-button', { hasText: /No, I don.t trust/ });
    await no.waitFor({ timeout: 60_000 });
    await shot(p, '09-trust-prompt');
    await no.click();
    const before = tracesOf('gather_sleeps').length;
    await quickOpen(p, 'gather_sleeps.py');
    await runCommand(p, 'Async Lanes: Record Current File');
    await until('the refusal', async () => (await notifications(p)).some((n) => /recording runs the program, and this workspace is not trusted/.test(n)));
    assert.equal(tracesOf('gather_sleeps').length, before, 'nothing was recorded');
    await shot(p, '10-untrusted-refused');
    await runCommand(p, 'Async Lanes: Open Trace');
    await answerFileDialog(p, `${ws}/`, join(ws, 'fixture.lanes'));
    const frame = await timelineFrame(p, 'fixture.lanes');
    assert.ok((await tasks(frame)).length > 0);
    await shot(p, '11-untrusted-open-trace');
  }, () => p));
});
