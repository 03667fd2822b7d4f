// Quick fixes where the fix is standard: a coroutine never awaited gets `await`; `time.sleep(x)` in a coroutine
// becomes `await asyncio.sleep(x)`; another blocking call in a coroutine runs in a thread, `await asyncio.to_thread(f,
// args)`. Python only for the last two (a blocking JavaScript call has no standard asynchronous twin).

import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import type { FindingData } from './insights.js';

/** The fixes for one of our diagnostics in a document (`lines`: its text; `uri`: its URI). */
export function quickFixes(uri: string, lines: readonly string[], diagnostic: Diagnostic, python: boolean): CodeAction[] {
  const data = diagnostic.data as FindingData | undefined;
  if (!data || data.stale) return [];
  const line0 = diagnostic.range.start.line;
  const text = lines[line0];
  if (text === undefined) return [];
  const fix = (title: string, edits: TextEdit[]): CodeAction => ({
    title,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    isPreferred: true,
    edit: { changes: { [uri]: edits } },
  });
  if (data.kind === 'never-awaited' && data.callee !== null) {
    const at = callStart(text, data.callee);
    if (at < 0 || /\bawait\s+$/.test(text.slice(0, at))) return [];
    return [fix(`Add 'await' before ${data.callee}(…)`, [{ range: { start: { line: line0, character: at }, end: { line: line0, character: at } }, newText: 'await ' }])];
  }
  if (data.kind !== 'blocked-loop' || !data.inTask || !python || !insideCoroutine(lines, line0)) return [];
  const imports = importAsyncio(lines);
  const sleep = /\btime\.sleep\(/.exec(text);
  if (sleep) {
    const range = { start: { line: line0, character: sleep.index }, end: { line: line0, character: sleep.index + sleep[0].length } };
    return [fix("Use 'await asyncio.sleep' (does not block the loop)", [...imports, { range, newText: 'await asyncio.sleep(' }])];
  }
  const call = blockingCall(text);
  if (!call) return [];
  const range = { start: { line: line0, character: call.start }, end: { line: line0, character: call.end } };
  const args = call.args.trim();
  return [fix(`Run ${call.fn}(…) in a thread: 'await asyncio.to_thread'`, [...imports, { range, newText: `await asyncio.to_thread(${call.fn}${args ? `, ${args}` : ''})` }])];
}

/** Where the call of `name` starts on the line: `save(` or `self.store.save(` (the whole dotted expression). */
function callStart(text: string, name: string): number {
  const m = new RegExp(`(?<![\\w.])((?:[A-Za-z_$][\\w$]*\\.)*)${name.replace(/[$]/g, '\\$')}\\s*\\(`).exec(text);
  return m ? m.index : -1;
}

/** The line's outermost call whose parentheses close on the line: `x = fetch(url, 3)` → fetch, `url, 3`. */
function blockingCall(text: string): { fn: string; args: string; start: number; end: number } | null {
  const code = text.replace(/\s+#.*$/, '');
  const m = /(?:^\s*|=\s*|return\s+|\(\s*)((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)\(/.exec(code);
  if (!m || /^(?:await|asyncio\.to_thread|print)$/.test(m[1])) return null;
  const open = m.index + m[0].length - 1;
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    const ch = code[i];
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) {
      return { fn: m[1], args: code.slice(open + 1, i), start: m.index + m[0].length - 1 - m[1].length, end: i + 1 };
    }
  }
  return null;
}

/** The nearest enclosing `def` (less indented, above) is an `async def`. */
function insideCoroutine(lines: readonly string[], line0: number): boolean {
  const indent = (s: string) => s.length - s.trimStart().length;
  let limit = indent(lines[line0]);
  for (let i = line0 - 1; i >= 0; i--) {
    const l = lines[i];
    if (l.trim() === '' || indent(l) >= limit) continue;
    if (/^\s*async\s+def\s/.test(l)) return true;
    if (/^\s*(def|class)\s/.test(l)) return false;
    limit = indent(l);
  }
  return false;
}

/** `import asyncio` at the top when the module does not import it. */
function importAsyncio(lines: readonly string[]): TextEdit[] {
  if (lines.some((l) => /^\s*import\s+(?:[\w.]+\s*,\s*)*asyncio\b/.test(l))) return [];
  return [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: 'import asyncio\n' }];
}
