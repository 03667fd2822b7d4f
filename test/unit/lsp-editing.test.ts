// The language server's pure text helpers: where a recorded line is now, where an async function is defined, and
// the quick fixes' edits on lines the examples do not have.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver';
import type { FindingData } from '../../src/server/insights.js';
import { definitionLine } from '../../src/server/insights.js';
import { placeLine } from '../../src/server/line-map.js';
import { quickFixes } from '../../src/server/quick-fixes.js';

test('placeLine: unchanged, moved (found by its text nearby), changed (stale), not open (as recorded)', () => {
  const recorded = ['a', '  await x()', 'b'];
  assert.deepEqual(placeLine(2, recorded, recorded), { line: 2, stale: false });
  assert.deepEqual(placeLine(2, recorded, ['new', 'a', '  await x()', 'b']), { line: 3, stale: false });
  assert.deepEqual(placeLine(2, recorded, ['a', '  await y()', 'b']), { line: 2, stale: true });
  assert.deepEqual(placeLine(2, recorded, null), { line: 2, stale: false });
  assert.deepEqual(placeLine(2, null, ['x']), { line: 2, stale: false }, 'the source could not be read at the recording');
});

test('definitionLine: Python async def; JavaScript/TypeScript async functions, arrows and methods', () => {
  assert.equal(definitionLine(['def fetch():', 'async def fetch(url):'], 'fetch', true), 1);
  assert.equal(definitionLine(['async def fetcher():'], 'fetch', true), -1);
  const js = [
    'function work() {}',
    'async function work() {}',
    'const go = async () => {};',
    'const typed: Fn = async (i: number) => i;',
    'class A {',
    '  private async load<T>(x: T) {}',
    '  static async *stream() {}',
    '}',
  ];
  assert.equal(definitionLine(js, 'work', false), 1);
  assert.equal(definitionLine(js, 'go', false), 2);
  assert.equal(definitionLine(js, 'typed', false), 3);
  assert.equal(definitionLine(js, 'load', false), 5);
  assert.equal(definitionLine(js, 'stream', false), 6);
});

function diagnostic(line: number, data: Partial<FindingData>): Diagnostic {
  const full: FindingData = { kind: 'blocked-loop', trace: 't.lanes', inTask: true, callee: null, stale: false, ...data };
  return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, message: '', source: 'Async Lanes', code: full.kind, data: full };
}

function fixed(lines: string[], d: Diagnostic, python = true): string[] {
  const actions = quickFixes('file:///a.py', lines, d, python);
  if (actions.length === 0) return lines;
  const edits = actions[0].edit!.changes!['file:///a.py'];
  let text = lines.join('\n');
  const offset = (l: number, c: number) => lines.slice(0, l).reduce((n, x) => n + x.length + 1, 0) + c;
  for (const e of [...edits].sort((a, b) => offset(b.range.start.line, b.range.start.character) - offset(a.range.start.line, a.range.start.character))) {
    text = text.slice(0, offset(e.range.start.line, e.range.start.character)) + e.newText + text.slice(offset(e.range.end.line, e.range.end.character));
  }
  return text.split('\n');
}

test('quick fix: another blocking call in a coroutine runs in a thread, its result kept; import asyncio added when missing', () => {
  const lines = ['import time', 'async def handler(path):', '    data = read_all(path, mode="rb")  # slow', '    return data'];
  assert.deepEqual(fixed(lines, diagnostic(2, {})), [
    'import asyncio',
    'import time',
    'async def handler(path):',
    '    data = await asyncio.to_thread(read_all, path, mode="rb")  # slow',
    '    return data',
  ]);
  const noArgs = ['import asyncio', 'async def h():', '    return compute()'];
  assert.equal(fixed(noArgs, diagnostic(2, {}))[2], '    return await asyncio.to_thread(compute)');
});

test('quick fix: none outside a coroutine, for a callback, in JavaScript, or when stale', () => {
  const plain = ['import asyncio, time', 'def sync():', '    time.sleep(1)'];
  assert.deepEqual(quickFixes('file:///a.py', plain, diagnostic(2, {}), true), []);
  const coro = ['import asyncio, time', 'async def h():', '    time.sleep(1)'];
  assert.equal(quickFixes('file:///a.py', coro, diagnostic(2, {}), true).length, 1);
  assert.equal(fixed(coro, diagnostic(2, {}))[2], '    await asyncio.sleep(1)', 'asyncio imported on one line with time: no import added');
  assert.deepEqual(quickFixes('file:///a.py', coro, diagnostic(2, { inTask: false }), true), []);
  assert.deepEqual(quickFixes('file:///a.py', coro, diagnostic(2, { stale: true }), true), []);
  assert.deepEqual(quickFixes('file:///a.js', ['async function h() {', '  busy(800);', '}'], diagnostic(1, {}), false), []);
});

test('quick fix: never-awaited adds await before the whole call expression, not twice', () => {
  const d = diagnostic(1, { kind: 'never-awaited', callee: 'save' });
  assert.equal(fixed(['async def m(self):', '    self.store.save(1)'], d)[1], '    await self.store.save(1)');
  assert.equal(fixed(['async def m():', '    r = save(1)'], d)[1], '    r = await save(1)');
  assert.deepEqual(quickFixes('file:///a.py', ['async def m():', '    await save(1)'], d, true), []);
});
