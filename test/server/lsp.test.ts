// The language server, spoken to over stdio as an editor would (`async-lanes lsp --stdio`, a vscode-jsonrpc client),
// on traces recorded from examples/ into a trace folder. Expected lines come from the examples' marker comments.

import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { CodeAction, CodeLens, Hover, InlayHint, TextEdit } from 'vscode-languageserver';
import { defLine, markerLine } from '../recorders/lib/report.js';
import { EXAMPLES, ROOT, runCliRecord } from '../recorders/lib/run.js';
import { LspClient } from './lsp-client.js';

const PY = (name: string) => join(EXAMPLES, name);
const NODE_BLOCKING = join(ROOT, 'examples', 'node', 'blocking.js');
const TS_GATHER = join(ROOT, 'examples', 'node', 'gather_timers.ts');
const WORKSPACE = join(ROOT, 'examples');
const WARNING = 2;
const ERROR = 1;
const INFORMATION = 3;

/** 1-based line of `// <marker>` in a JavaScript example. */
function jsMarker(file: string, marker: string): number {
  const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(`// ${marker}`));
  assert.ok(i >= 0, `no "// ${marker}" in ${file}`);
  return i + 1;
}

/** The text after applying `edits` (single-line ranges, as the quick fixes make) to `text`. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  for (const e of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
    assert.equal(e.range.start.line, e.range.end.line);
    const l = lines[e.range.start.line];
    const inserted = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
    lines.splice(e.range.start.line, 1, ...inserted.split('\n'));
  }
  return lines.join('\n');
}

const hoverText = (h: Hover | null) => (h === null ? '' : typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : JSON.stringify(h.contents));

async function record(dir: string, name: string, cmd: string[]): Promise<string> {
  const trace = join(dir, name);
  const r = await runCliRecord(trace, cmd);
  assert.equal(r.code, 0, `recording ${cmd.join(' ')} failed: ${r.stderr}`);
  return trace;
}

describe('async-lanes lsp --stdio on recorded examples', () => {
  let folder: string;
  let spare: string;
  let lsp: LspClient;
  let lateTrace: string;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'async-lanes-lsp-'));
    spare = mkdtempSync(join(tmpdir(), 'async-lanes-lsp-late-'));
    const [neverAwaited] = await Promise.all([
      record(folder, 'never_awaited-20261203-100000.lanes', ['python3', 'never_awaited.py']),
      record(folder, 'blocked_loop-20261203-100000.lanes', ['python3', 'blocked_loop.py']),
      record(folder, 'gather_sleeps-20261203-100000.lanes', ['python3', 'gather_sleeps.py']),
      record(folder, 'blocking-20261203-100000.lanes', [process.execPath, NODE_BLOCKING]),
      record(folder, 'gather_timers-20261203-100000.lanes', [process.execPath, TS_GATHER]),
    ]);
    lateTrace = await record(spare, 'unretrieved_exception-20261203-110000.lanes', ['python3', 'unretrieved_exception.py']);
    // An older recording of blocked_loop (another program's trace under its name): only the newest is read.
    const old = join(folder, 'blocked_loop-20200101-000000.lanes');
    copyFileSync(neverAwaited, old);
    utimesSync(old, new Date('2020-01-01'), new Date('2020-01-01'));
    // Not traces: a damaged file and another tool's JSON.
    writeFileSync(join(folder, 'garbage-20261203-100000.lanes'), 'hello, not a trace\n');
    writeFileSync(join(folder, 'foreign.lanes'), '{"format":"something-else","version":3}\n[1,2,3]\n');
    lsp = new LspClient(['--trace-folder', folder]);
    await lsp.initialize(WORKSPACE);
    // Hovers and lenses are answered from what has been read; an editor asks again on the server's refresh, these
    // tests ask once, so they start when a hover on each program that has no finding to wait for has an answer.
    for (const [file, marker, lang] of [[PY('gather_sleeps.py'), 'fetch-sleep', 'python'], [TS_GATHER, 'ts-fetch-sleep', 'typescript']]) {
      lsp.open(file, readFileSync(file, 'utf8'), lang);
      const line = lang === 'python' ? markerLine(file, `await: ${marker}`) : jsMarker(file, `await: ${marker}`);
      await lsp.until(`a hover from ${file}'s recording`, () => lsp.request<Hover | null>('textDocument/hover', file, { position: { line: line - 1, character: 4 } }), 60_000);
    }
  });

  after(async () => {
    const code = await lsp?.close();
    rmSync(folder, { recursive: true, force: true });
    rmSync(spare, { recursive: true, force: true });
    assert.equal(code, 0, `the server exited ${code}: ${lsp.stderr}`);
  });

  const diagnosticsOf = (file: string, code: string) => lsp.until(`${code} in ${file}`, () => lsp.diagnosticsOf(file)?.filter((d) => d.code === code).length ? lsp.diagnosticsOf(file)! : null);

  test('a never-awaited coroutine: a warning at its line, with the recording as related information; the older recording is not read', async () => {
    const file = PY('never_awaited.py');
    const recording = pathToFileURL(join(folder, 'never_awaited-20261203-100000.lanes')).href;
    // Until the newest recording of blocked_loop is read (followed: it was written moments ago), its older one, which
    // is never_awaited's trace, stands in; then only never_awaited's own recording names the line.
    const d = await lsp.until('one finding, from never_awaited\'s own recording', () => {
      const list = lsp.diagnosticsOf(file)?.filter((x) => x.code === 'never-awaited');
      return list?.length === 1 && list[0].relatedInformation?.some((r) => r.location.uri === recording) ? list[0] : null;
    });
    assert.equal(d.range.start.line, markerLine(file, 'finding: never-awaited') - 1);
    assert.equal(d.severity, WARNING);
    assert.equal(d.source, 'Async Lanes');
    assert.match(d.message, /save/);
  });

  test('a blocked loop: a warning at the blocking line with its duration and its task', async () => {
    const file = PY('blocked_loop.py');
    const d = (await diagnosticsOf(file, 'blocked-loop')).find((x) => x.code === 'blocked-loop')!;
    assert.equal(d.range.start.line, markerLine(file, 'finding: blocked-loop') - 1);
    assert.equal(d.severity, WARNING);
    assert.match(d.message, /blocked for \d+(\.\d+)? ms by task handler/);
    // The range covers the code, not the indentation.
    assert.equal(d.range.start.character, 4);
  });

  test('Node: the blocked loop at the CPU loop the watchdog saw, and a code lens above the async function that blocked', async () => {
    const d = (await diagnosticsOf(NODE_BLOCKING, 'blocked-loop')).find((x) => x.code === 'blocked-loop')!;
    const lines = [jsMarker(NODE_BLOCKING, 'block: cpu'), jsMarker(NODE_BLOCKING, 'block: prepare')].map((l) => l - 1);
    assert.ok(lines.includes(d.range.start.line), `at line ${d.range.start.line + 1}`);
    lsp.open(NODE_BLOCKING, readFileSync(NODE_BLOCKING, 'utf8'), 'javascript');
    const lenses = await lsp.request<CodeLens[]>('textDocument/codeLens', NODE_BLOCKING);
    const cruncher = readFileSync(NODE_BLOCKING, 'utf8').split('\n').findIndex((l) => l.startsWith('async function cruncher'));
    const lens = lenses.find((l) => l.range.start.line === cruncher);
    assert.ok(lens, JSON.stringify(lenses));
    assert.match(lens.command!.title, /^1 call · busy p50 .* · blocked the loop 1×$/);
  });

  test('TypeScript: hover and lens at the .ts file\'s own lines (the recorder maps them through the source map)', async () => {
    const text = readFileSync(TS_GATHER, 'utf8');
    lsp.open(TS_GATHER, text, 'typescript');
    const h = await lsp.request<Hover | null>('textDocument/hover', TS_GATHER, { position: { line: jsMarker(TS_GATHER, 'await: ts-fetch-sleep') - 1, character: 4 } });
    assert.match(hoverText(h), /awaited 3×/);
    const lenses = await lsp.request<CodeLens[]>('textDocument/codeLens', TS_GATHER);
    const fetchItem = text.split('\n').findIndex((l) => /^const fetchItem: Fetcher = async \(/.test(l));
    assert.ok(fetchItem > 0);
    assert.match(lenses.find((l) => l.range.start.line === fetchItem)?.command?.title ?? JSON.stringify(lenses), /^3 calls · /);
    // Promise.all: the Node recorder writes no creation site for it (no stack per event); the line that awaited it
    // stands for it.
    const gather = await lsp.request<Hover | null>('textDocument/hover', TS_GATHER, { position: { line: jsMarker(TS_GATHER, 'await: ts-gather') - 1, character: 4 } });
    assert.match(hoverText(gather), /gathered 1×: 3 ok/);
  });

  test('hover on an await line: count, total/median/max wait, what was awaited, who woke it; on a gather and a creation line: the tasks and how they ended', async () => {
    const file = PY('gather_sleeps.py');
    lsp.open(file, readFileSync(file, 'utf8'), 'python');
    const at = (line: number) => lsp.request<Hover | null>('textDocument/hover', file, { position: { line: line - 1, character: 8 } });
    const sleep = hoverText(await at(markerLine(file, 'await: fetch-sleep')));
    assert.match(sleep, /awaited 3×/);
    assert.match(sleep, /total \S+ (ms|s) · median \S+ ms · max \S+ ms/);
    assert.match(sleep, /awaited: sleep ×3/);
    assert.match(sleep, /woken most often by: timer \(3 of 3\)/);
    const gather = hoverText(await at(markerLine(file, 'await: gather')));
    assert.match(gather, /gathered 1×: 3 ok/);
    assert.match(gather, /created 3 tasks \(fetch ×3\): 3 ok/);
    // asyncio.run's line made main and the runtime's shutdown tasks.
    assert.match(hoverText(await at(markerLine(file, 'create: main'))), /created \d+ tasks \(.*main ×1.*\): \d+ ok/);
    assert.equal(await at(1), null);
  });

  test('code lenses above the coroutines that ran, whose command names their tasks in the recording', async () => {
    const file = PY('gather_sleeps.py');
    lsp.open(file, readFileSync(file, 'utf8'), 'python');
    const lenses = await lsp.request<CodeLens[]>('textDocument/codeLens', file);
    const fetch = lenses.find((l) => l.range.start.line === defLine(file, 'fetch') - 1);
    assert.ok(fetch, JSON.stringify(lenses));
    assert.match(fetch.command!.title, /^3 calls · busy p50 \S+ \S+, p95 \S+ \S+ · wait p50 \S+ ms, p95 \S+ ms$/);
    assert.equal(fetch.command!.command, 'asyncLanes.showTasks');
    const arg = fetch.command!.arguments![0] as { trace: string; taskIds: number[] };
    assert.equal(arg.trace, join(folder, 'gather_sleeps-20261203-100000.lanes'));
    assert.equal(arg.taskIds.length, 3);
    const blocked = await lsp.request<CodeLens[]>('textDocument/codeLens', PY('blocked_loop.py'));
    assert.deepEqual(blocked, [], 'no lenses for a document that is not open');
  });

  test('inlay hints: none by default; with the setting, the median wait at the end of each await line', async () => {
    const file = PY('gather_sleeps.py');
    const text = readFileSync(file, 'utf8');
    lsp.open(file, text, 'python');
    const range = { start: { line: 0, character: 0 }, end: { line: text.split('\n').length, character: 0 } };
    assert.deepEqual(await lsp.request<InlayHint[]>('textDocument/inlayHint', file, { range }), []);
    await lsp.conn.sendNotification('workspace/didChangeConfiguration', { settings: { asyncLanes: { inlayHints: true } } });
    const hints = await lsp.request<InlayHint[]>('textDocument/inlayHint', file, { range });
    const line = markerLine(file, 'await: fetch-sleep') - 1;
    const hint = hints.find((h) => h.position.line === line);
    assert.ok(hint, JSON.stringify(hints));
    assert.match(String(hint.label), /^median wait \S+ ms \(3×\)$/);
    assert.equal(hint.position.character, text.split('\n')[line].length);
  });

  test('quick fix: never-awaited gets `await`; after the edit the diagnostic is stale; a line moved by an edit above keeps its finding', async () => {
    const file = PY('never_awaited.py');
    const text = readFileSync(file, 'utf8');
    lsp.open(file, text, 'python');
    const d = (await diagnosticsOf(file, 'never-awaited')).find((x) => x.code === 'never-awaited')!;
    const actions = await lsp.request<CodeAction[]>('textDocument/codeAction', file, { range: d.range, context: { diagnostics: [d] } });
    assert.equal(actions.length, 1, JSON.stringify(actions));
    const fixed = applyEdits(text, actions[0].edit!.changes![pathToFileURL(file).href]);
    const line = markerLine(file, 'finding: never-awaited') - 1;
    assert.equal(fixed.split('\n')[line], '    await save("lost")  # finding: never-awaited');
    lsp.change(file, fixed);
    const stale = await lsp.until('a stale diagnostic', () => lsp.diagnosticsOf(file)?.find((x) => x.code === 'never-awaited' && x.severity === INFORMATION));
    assert.match(stale.message, /stale: this line changed since the recording/);
    assert.deepEqual(await lsp.request<CodeAction[]>('textDocument/codeAction', file, { range: stale.range, context: { diagnostics: [stale] } }), []);
    // Two lines added above: the unchanged line is found where it went.
    lsp.change(file, `# one\n# two\n${text}`);
    const moved = await lsp.until('the moved diagnostic', () => lsp.diagnosticsOf(file)?.find((x) => x.code === 'never-awaited' && x.severity === WARNING && x.range.start.line === line + 2));
    assert.ok(moved);
    lsp.change(file, text);
  });

  test('quick fix: time.sleep in a coroutine becomes await asyncio.sleep', async () => {
    const file = PY('blocked_loop.py');
    const text = readFileSync(file, 'utf8');
    lsp.open(file, text, 'python');
    const d = (await diagnosticsOf(file, 'blocked-loop')).find((x) => x.code === 'blocked-loop')!;
    const actions = await lsp.request<CodeAction[]>('textDocument/codeAction', file, { range: d.range, context: { diagnostics: [d] } });
    assert.equal(actions.length, 1, JSON.stringify(actions));
    const fixed = applyEdits(text, actions[0].edit!.changes![pathToFileURL(file).href]);
    assert.equal(fixed.split('\n')[markerLine(file, 'finding: blocked-loop') - 1], '    await asyncio.sleep(0.3)  # finding: blocked-loop');
  });

  test('files that are not traces are logged and skipped; a recording written into the folder is followed and read when it ends', async () => {
    await lsp.until('the damaged file logged', () => lsp.logs.some((l) => /skipped .*garbage-20261203-100000\.lanes/.test(l)));
    await lsp.until('the foreign file logged', () => lsp.logs.some((l) => /skipped .*foreign\.lanes/.test(l)));
    const file = PY('unretrieved_exception.py');
    assert.equal(lsp.diagnosticsOf(file), undefined);
    // Written as a recording writes: its first part, a pause (the server follows it, nothing published yet), the rest.
    const text = readFileSync(lateTrace, 'utf8');
    const cut = text.indexOf('\n', Math.floor(text.length / 2)) + 1;
    const live = join(folder, 'unretrieved_exception-20261203-110000.lanes');
    writeFileSync(live, text.slice(0, cut));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(lsp.diagnosticsOf(file), undefined, 'nothing before the recording ends');
    appendFileSync(live, text.slice(cut));
    const d = (await diagnosticsOf(file, 'unretrieved-exception')).filter((x) => x.code === 'unretrieved-exception');
    assert.deepEqual(d.map((x) => [x.range.start.line, x.severity]), [[markerLine(file, 'create: dropped') - 1, ERROR], [markerLine(file, 'create: kept') - 1, ERROR]]);
    assert.match(d[0].message, /dropped task failed/);
  });

  test('a pinned trace is the only one read; unpinned, the newest recording of each program again', async () => {
    const pinned = join(folder, 'never_awaited-20261203-100000.lanes');
    await lsp.conn.sendNotification('asyncLanes/pinTrace', { file: pinned });
    await lsp.until('blocked_loop.py cleared', () => lsp.diagnosticsOf(PY('blocked_loop.py'))?.length === 0);
    assert.equal(lsp.diagnosticsOf(PY('never_awaited.py'))?.filter((d) => d.code === 'never-awaited').length, 1);
    await lsp.conn.sendNotification('asyncLanes/pinTrace', { file: null });
    await diagnosticsOf(PY('blocked_loop.py'), 'blocked-loop');
  });

  test('the extension\'s bundle (out/server.js, its reader thread out/load-worker.js) takes the trace folder from initializationOptions', async () => {
    const bundled = new LspClient([], [join(ROOT, 'out', 'server.js'), '--stdio']);
    try {
      await bundled.initialize(WORKSPACE, { traceFolder: folder });
      const file = PY('never_awaited.py');
      const d = await bundled.until('diagnostics from the bundle', () => bundled.diagnosticsOf(file)?.find((x) => x.code === 'never-awaited'));
      assert.equal(d.range.start.line, markerLine(file, 'finding: never-awaited') - 1);
    } finally {
      assert.equal(await bundled.close(), 0);
    }
  });
});

