// The load-time transform: gives every async function and every await a static site id and calls into the recorder
// (runtime.ts) at the few points where a task's life changes, so that nothing is captured at run time (no stack, no
// promise hook per await). It only inserts text, never removes or moves any, and never adds a line break: every
// original token keeps its line, so positions map back unchanged (and through a source map, for TypeScript).
//
//   async function f(a) { BODY }
//     → async function f(a) { const __al$t=R.e(S);let __al$v;try{ BODY }catch(__al$e){R.x(__al$t,__al$e);throw __al$e}finally{R.f(__al$t,__al$v)} }
//   await X          → R.r(__al$t,await R.w(__al$t,X,S))       suspend (what X is, where), resume
//   return X         → return __al$t.ret=S,__al$v=X               the value, for the end record, and where it was returned
//   catch (e) { / finally {  → …{R.c(__al$t);                    resumed by a rejection
//   yield X (async generators) → R.r(__al$t,yield R.y(__al$t,X,S))
//   for await (x of I) { B } → for await (x of R.w(__al$t,I,S,1)) {R.c(__al$t);try{ B }finally{R.i(__al$t,S)}}
//
// where R is the recorder's global (`__async_lanes`). An async arrow with an expression body gets a block body. At
// the top level of an ES module with top-level await, the module's evaluation is a task (`__al$m`). Anything the
// scanner does not understand makes it return null: the file then runs untransformed.

import { T, tokenize, TokenError, type Token } from './tokens.js';

export const RUNTIME_GLOBAL = '__async_lanes';

export interface SiteDef {
  /** 1-based line and 0-based column in the transformed source's own coordinates (= the original's). */
  line: number;
  col: number;
  /** The enclosing (or defined) async function's name. */
  func: string;
}

/** Registers a site and returns its trace-wide id. */
export type SiteRegistrar = (site: SiteDef) => number;

class Unsupported extends Error {
  constructor(what = 'a construct the transform does not read') {
    super(what);
  }
}

interface Fn {
  async: boolean;
  gen: boolean;
  name: string;
  /** Token index at which this function's scope ends (its closing brace or the end of an expression body). */
  close: number;
  /** The identifier holding the task id in this scope. */
  task: string;
}

const R = RUNTIME_GLOBAL;
const CONTROL = new Set(['if', 'for', 'while', 'switch', 'with', 'catch', 'function', 'return', 'typeof', 'void', 'delete', 'await', 'yield', 'new', 'in', 'of', 'instanceof', 'do', 'else', 'case', 'throw']);
const EXPR_END_NAMES = new Set(['in', 'instanceof', 'of']);

/** The instrumented source; null (with `skipped` saying why, when it is not simply "nothing to do") when the file
 * should run as it is. */
export function instrument(src: string, opts: { module: boolean }, site: SiteRegistrar): { code: string | null; skipped?: string } {
  let toks: Token[];
  try {
    toks = tokenize(src);
  } catch (e) {
    if (e instanceof TokenError) return { code: null, skipped: e.message };
    throw e;
  }
  if (!toks.some((t) => t.type === T.Name && (t.value === 'async' || t.value === 'await'))) return { code: null };
  try {
    return { code: new Instrumenter(src, toks, opts.module, site).run() };
  } catch (e) {
    if (e instanceof Unsupported) return { code: null, skipped: e.message };
    throw e;
  }
}

class Instrumenter {
  private readonly match: Int32Array;
  private readonly lineStarts: number[] = [0];
  /** [offset, priority, text]: sorted by offset then priority before they are applied. */
  private readonly inserts: [number, number, string][] = [];
  private seq = 0;
  private moduleTask = false;

  constructor(
    private readonly src: string,
    private readonly toks: Token[],
    private readonly isModule: boolean,
    private readonly register: SiteRegistrar,
  ) {
    this.match = matchBrackets(toks);
    for (let i = 0; i < src.length; i++) {
      const c = src.charCodeAt(i);
      if (c === 10 || ((c === 13 || c === 0x2028 || c === 0x2029) && src.charCodeAt(i + 1) !== 10)) this.lineStarts.push(i + 1);
    }
  }

  run(): string | null {
    const toks = this.toks;
    const top: Fn = { async: this.isModule, gen: false, name: '<module>', close: toks.length, task: '__al$m' };
    const fns: Fn[] = [top];
    // Functions whose body opens at a given `{` token, registered when their header is read.
    const pendingBody = new Map<number, Fn>();
    for (let i = 0; i < toks.length; i++) {
      while (fns.length > 1 && i >= fns[fns.length - 1].close) fns.pop();
      const t = toks[i];
      const fn = fns[fns.length - 1];
      if (t.type === T.Punct) {
        if (t.value === '{') {
          const body = pendingBody.get(i);
          if (body) {
            pendingBody.delete(i);
            fns.push(body);
            if (body.async) this.wrapBody(i, body);
          }
        } else if (t.value === '=>') {
          this.arrow(i, fns, pendingBody);
        } else if (t.value === '(') {
          this.maybeMethod(i, pendingBody);
        }
        continue;
      }
      if (t.type !== T.Name || this.is(i - 1, '.') || this.is(i - 1, '?.') || this.is(i + 1, ':')) continue;
      switch (t.value) {
        case 'function':
          this.functionKeyword(i, pendingBody);
          break;
        case 'await':
          if (fn.async && !(toks[i - 1]?.value === 'for' && toks[i - 1].type === T.Name)) this.await(i, fn);
          break;
        case 'for':
          if (fn.async && toks[i + 1]?.value === 'await' && toks[i + 1].type === T.Name) this.forAwait(i, fn);
          break;
        case 'yield':
          if (fn.async && fn.gen) this.yield(i, fn);
          break;
        case 'return':
          if (fn.async && fn !== top) this.ret(i, fn);
          break;
        case 'catch':
        case 'finally':
          if (fn.async) this.handler(i, fn);
          break;
      }
    }
    if (this.inserts.length === 0) return null;
    if (this.moduleTask) {
      const at = this.src.startsWith('#!') ? this.toks[0]?.start ?? this.src.length : 0;
      this.insert(at, -1e9, `const __al$m=${R}.m(${this.site(0, '<module>')});`);
      this.insert(this.src.length, 1e9, `\n;${R}.f(__al$m);`);
    }
    return this.apply();
  }

  private insert(offset: number, priority: number, text: string): void {
    this.inserts.push([offset, priority, text]);
  }

  private apply(): string {
    const ins = this.inserts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let out = '';
    let last = 0;
    for (const [at, , text] of ins) {
      out += this.src.slice(last, at) + text;
      last = at;
    }
    return out + this.src.slice(last);
  }

  private site(offset: number, func: string): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.register({ line: lo + 1, col: offset - this.lineStarts[lo], func });
  }

  private is(i: number, value: string, type: T = T.Punct): boolean {
    const t = this.toks[i];
    return t !== undefined && t.type === type && t.value === value;
  }

  // ---- function headers

  private functionKeyword(i: number, pending: Map<number, Fn>): void {
    const toks = this.toks;
    const isAsync = this.is(i - 1, 'async', T.Name) && !toks[i].nl;
    let j = i + 1;
    const gen = this.is(j, '*');
    if (gen) j++;
    let name = '<anonymous>';
    if (toks[j]?.type === T.Name && !this.is(j, '(')) name = toks[j++].value;
    else name = this.inferName(isAsync ? i - 1 : i);
    if (!this.is(j, '(')) return;
    const body = this.match[j] + 1;
    if (!this.is(body, '{')) throw new Unsupported();
    pending.set(body, this.newFn(isAsync, gen, name, body, isAsync ? toks[i - 1].start : toks[i].start));
  }

  /** `name(...) {`: a method (object literal or class), possibly async and/or a generator. */
  private maybeMethod(open: number, pending: Map<number, Fn>): void {
    const toks = this.toks;
    const body = this.match[open] + 1;
    if (!this.is(body, '{') || pending.has(body)) return;
    let k = open - 1;
    const key = toks[k];
    if (!key) return;
    let name: string;
    if (key.type === T.Name) {
      if (CONTROL.has(key.value) && !(key.value === 'catch' && !this.afterTryBlock(k))) return;
      if (this.is(k - 1, '.') || this.is(k - 1, '?.')) return;
      name = key.value;
    } else if (key.type === T.Str || key.type === T.Num || key.type === T.Private) {
      name = this.src.slice(key.start, key.end).replace(/^['"]|['"]$/g, '');
    } else if (key.type === T.Punct && key.value === ']') {
      k = this.matchBack(k);
      if (k < 0) return;
      name = '[computed]';
    } else return;
    let m = k - 1;
    const gen = this.is(m, '*');
    if (gen) m--;
    const isAsync = this.is(m, 'async', T.Name) && !toks[m + 1].nl && !this.is(m - 1, '.');
    pending.set(body, this.newFn(isAsync, gen, name, body, toks[isAsync ? m : k].start));
  }

  private arrow(i: number, fns: Fn[], pending: Map<number, Fn>): void {
    const toks = this.toks;
    const prev = toks[i - 1];
    let paramsStart: number;
    if (prev.type === T.Punct && prev.value === ')') paramsStart = this.matchBack(i - 1);
    else if (prev.type === T.Name) paramsStart = i - 1;
    else throw new Unsupported();
    if (paramsStart < 0) throw new Unsupported();
    const isAsync = this.is(paramsStart - 1, 'async', T.Name) && !toks[paramsStart].nl && !this.is(paramsStart - 2, '.');
    const first = isAsync ? paramsStart - 1 : paramsStart;
    const name = this.inferName(first);
    if (this.is(i + 1, '{')) {
      pending.set(i + 1, this.newFn(isAsync, false, name, i + 1, toks[first].start));
      return;
    }
    if (!isAsync) return; // an expression body without await, yield or return: nothing to do
    const end = this.assignEnd(i + 1);
    const fn: Fn = { async: true, gen: false, name, close: end, task: '__al$t' };
    fns.push(fn);
    const s = this.site(toks[first].start, name);
    const seq = ++this.seq;
    this.insert(toks[i + 1].start, -1e6 + seq, `{const __al$t=${R}.e(${s});let __al$v;try{return __al$v=(`);
    this.insert(toks[end - 1].end, 1e6 - seq, `)}${this.tail()}}`);
  }

  private newFn(isAsync: boolean, gen: boolean, name: string, body: number, offset: number): Fn {
    const fn: Fn = { async: isAsync, gen, name, close: this.match[body], task: '__al$t' };
    if (isAsync) (fn as Fn & { siteOffset: number }).siteOffset = offset;
    return fn;
  }

  /** The name a function expression gets from its context: `const f = ...`, `f: ...`, `this.f = ...`. */
  private inferName(first: number): string {
    const toks = this.toks;
    const op = toks[first - 1];
    const target = toks[first - 2];
    if (op?.type === T.Punct && (op.value === '=' || op.value === ':') && target && (target.type === T.Name || target.type === T.Str)) {
      return this.src.slice(target.start, target.end).replace(/^['"]|['"]$/g, '');
    }
    return '<anonymous>';
  }

  private tail(): string {
    return `catch(__al$e){${R}.x(__al$t,__al$e);throw __al$e}finally{${R}.f(__al$t,__al$v)}`;
  }

  private wrapBody(open: number, fn: Fn): void {
    const toks = this.toks;
    let at = toks[open].end;
    // Keep the directive prologue ("use strict") first.
    let j = open + 1;
    while (toks[j]?.type === T.Str && (this.is(j + 1, ';') || this.is(j + 1, '}') || toks[j + 1]?.nl)) {
      at = this.is(j + 1, ';') ? toks[j + 1].end : toks[j].end;
      j += this.is(j + 1, ';') ? 2 : 1;
    }
    const lead = at === toks[open].end ? '' : ';';
    const s = this.site((fn as Fn & { siteOffset: number }).siteOffset, fn.name);
    const seq = ++this.seq;
    this.insert(at, -1e6 + seq, `${lead}const __al$t=${R}.e(${s}${fn.gen ? ',1' : ''});let __al$v;try{`);
    this.insert(toks[fn.close].start, 1e6 - seq, `}${this.tail()}`);
  }

  // ---- suspension points

  private taskRef(fn: Fn): string {
    if (fn.task === '__al$m') this.moduleTask = true;
    return fn.task;
  }

  private await(i: number, fn: Fn): void {
    const toks = this.toks;
    const end = this.unaryEnd(i + 1);
    const task = this.taskRef(fn);
    const s = this.site(toks[i].start, fn.name);
    const seq = ++this.seq;
    this.insert(toks[i].start, seq, `${R}.r(${task},`);
    this.insert(toks[i].end, seq, ` ${R}.w(${task},`);
    this.insert(toks[end - 1].end, -seq, `,${s}))`);
  }

  private yield(i: number, fn: Fn): void {
    const toks = this.toks;
    let j = i + 1;
    if (this.is(j, '*') && !toks[j].nl) return; // yield* delegates: its own suspensions are the inner iterator's
    const next = toks[j];
    const bare = !next || next.nl || (next.type === T.Punct && [')', ']', '}', ',', ';', ':'].includes(next.value));
    const s = this.site(toks[i].start, fn.name);
    const seq = ++this.seq;
    this.insert(toks[i].start, seq, `${R}.r(${fn.task},`);
    if (bare) {
      this.insert(toks[i].end, seq, ` ${R}.y(${fn.task},undefined,${s}))`);
      return;
    }
    const end = this.assignEnd(j);
    this.insert(toks[i].end, seq, ` ${R}.y(${fn.task},`);
    this.insert(toks[end - 1].end, -seq, `,${s}))`);
  }

  private forAwait(i: number, fn: Fn): void {
    const toks = this.toks;
    const open = i + 2;
    if (!this.is(open, '(')) throw new Unsupported();
    const close = this.match[open];
    let of = -1;
    for (let j = open + 1; j < close; j++) {
      if (this.is(j, '(') || this.is(j, '[') || this.is(j, '{')) j = this.match[j];
      else if (this.is(j, 'of', T.Name) && !['let', 'const', 'var'].includes(toks[j - 1].value)) {
        of = j;
        break;
      }
    }
    if (of < 0) throw new Unsupported();
    const task = this.taskRef(fn);
    const s = this.site(toks[i].start, fn.name);
    const seq = ++this.seq;
    this.insert(toks[of].end, seq, ` ${R}.w(${task},`);
    this.insert(toks[close].start, -seq, `,${s},1)`);
    // The body, a block or one expression statement (then braced).
    const braced = this.is(close + 1, '{');
    const last = braced ? this.match[close + 1] : this.statementEnd(close + 1) - 1;
    const lead = braced ? '' : '{';
    const shut = braced ? '' : '}';
    this.insert(braced ? toks[close + 1].end : toks[close + 1].start, seq, `${lead}${R}.c(${task});try{`);
    this.insert(braced ? toks[last].start : toks[last].end, -seq, `}finally{${R}.i(${task},${s})}${shut}`);
    const bodyClose = last;
    // After the loop (it ended, or broke out), the task runs on: mark it resumed.
    this.insert(toks[bodyClose].end, -seq, `${R}.c(${task});`);
    // `label: for await` / `if (c) for await ...`: the statement after the loop must stay one statement.
    const before = toks[i - 1];
    const labelled = before?.type === T.Punct && before.value === ':' && toks[i - 2]?.type === T.Name && !['default'].includes(toks[i - 2].value) && !this.is(i - 3, 'case', T.Name);
    const startTok = labelled ? i - 2 : i;
    this.insert(toks[startTok].start, -5e5 - seq, '{');
    this.insert(toks[bodyClose].end, 5e5 - seq, '}');
  }

  /** The token index just past an expression statement starting at i (its `;` included). */
  private statementEnd(i: number): number {
    const t = this.toks[i];
    if (!t || (t.type === T.Name && CONTROL.has(t.value)) || (t.type === T.Name && ['let', 'const', 'var', 'class'].includes(t.value))) {
      throw new Unsupported();
    }
    let end = this.assignEnd(i);
    while (this.is(end, ',')) end = this.assignEnd(end + 1);
    return this.is(end, ';') ? end + 1 : end;
  }

  private ret(i: number, fn: Fn): void {
    const next = this.toks[i + 1];
    if (!next || next.nl || (next.type === T.Punct && (next.value === ';' || next.value === '}'))) return;
    // The return's site: where the task waits when it returns a promise.
    this.insert(this.toks[i].end, 0, ` __al$t.ret=${this.site(this.toks[i].start, fn.name)},__al$v=`);
  }

  private handler(i: number, fn: Fn): void {
    const toks = this.toks;
    if (!this.is(i - 1, '}')) return;
    if (toks[i].value === 'catch' && !this.afterTryBlock(i)) return;
    let open = i + 1;
    if (toks[i].value === 'catch' && this.is(open, '(')) open = this.match[open] + 1;
    if (!this.is(open, '{')) return;
    this.insert(toks[open].end, 1e6 + 1, `${R}.c(${this.taskRef(fn)}${toks[i].value === 'catch' ? ',1' : ''});`);
  }

  /** `} catch`: the `}` closes a try block (`try {`) rather than a method body. */
  private afterTryBlock(i: number): boolean {
    if (!this.is(i - 1, '}')) return false;
    const open = this.matchBack(i - 1);
    return open > 0 && this.is(open - 1, 'try', T.Name);
  }

  // ---- expression extents

  private matchBack(close: number): number {
    return this.match[close];
  }

  /** The token index just past the UnaryExpression starting at i (await's operand). */
  private unaryEnd(i: number): number {
    const toks = this.toks;
    for (;;) {
      const t = toks[i];
      if (!t) throw new Unsupported();
      if (t.type === T.Punct && ['!', '~', '+', '-', '++', '--'].includes(t.value)) i++;
      else if (t.type === T.Name && ['typeof', 'void', 'delete', 'await'].includes(t.value)) i++;
      else break;
    }
    return this.tails(this.primaryEnd(i), true);
  }

  private primaryEnd(i: number): number {
    const toks = this.toks;
    const t = toks[i];
    if (!t) throw new Unsupported();
    switch (t.type) {
      case T.Num:
      case T.Str:
      case T.Regex:
      case T.Template:
      case T.Private:
        return i + 1;
      case T.TemplateOpen:
        return this.templateEnd(i);
      case T.Punct:
        if (t.value === '(' || t.value === '[' || t.value === '{') return this.match[i] + 1;
        throw new Unsupported();
      case T.Name:
        break;
    }
    switch (t.value) {
      case 'async':
        if (this.is(i + 1, 'function', T.Name) && !toks[i + 1].nl) return this.primaryEnd(i + 1);
        return i + 1;
      case 'function': {
        let j = i + 1;
        if (this.is(j, '*')) j++;
        if (toks[j]?.type === T.Name && !this.is(j, '(')) j++;
        if (!this.is(j, '(')) throw new Unsupported();
        j = this.match[j] + 1;
        if (!this.is(j, '{')) throw new Unsupported();
        return this.match[j] + 1;
      }
      case 'class': {
        let j = i + 1;
        while (toks[j] && !this.is(j, '{')) j = this.is(j, '(') || this.is(j, '[') ? this.match[j] + 1 : j + 1;
        if (!toks[j]) throw new Unsupported();
        return this.match[j] + 1;
      }
      case 'new': {
        if (this.is(i + 1, '.')) return i + 3;
        const callee = this.tails(this.primaryEnd(i + 1), false);
        return this.is(callee, '(') ? this.match[callee] + 1 : callee;
      }
      default:
        if (CONTROL.has(t.value) && t.value !== 'await') throw new Unsupported();
        return i + 1;
    }
  }

  /** Member accesses, calls (when `calls`), tagged templates and a postfix update after a primary. */
  private tails(i: number, calls: boolean): number {
    const toks = this.toks;
    for (;;) {
      const t = toks[i];
      if (!t) return i;
      if (t.type === T.Template) {
        i++;
        continue;
      }
      if (t.type === T.TemplateOpen) {
        i = this.templateEnd(i);
        continue;
      }
      if (t.type !== T.Punct) return i;
      switch (t.value) {
        case '.':
          if (!toks[i + 1] || (toks[i + 1].type !== T.Name && toks[i + 1].type !== T.Private)) throw new Unsupported();
          i += 2;
          continue;
        case '?.':
          if (!calls) throw new Unsupported();
          if (this.is(i + 1, '(') || this.is(i + 1, '[')) i = this.match[i + 1] + 1;
          else i += 2;
          continue;
        case '[':
          i = this.match[i] + 1;
          continue;
        case '(':
          if (!calls) return i;
          i = this.match[i] + 1;
          continue;
        case '++':
        case '--':
          return t.nl || !calls ? i : i + 1;
        default:
          return i;
      }
    }
  }

  private templateEnd(i: number): number {
    let j = i;
    while (this.toks[j]?.type === T.TemplateOpen) j = this.match[j];
    if (this.toks[j]?.type !== T.Template) throw new Unsupported();
    return j + 1;
  }

  /** The token index just past the AssignmentExpression starting at i (an arrow's expression body, yield's operand). */
  private assignEnd(i: number): number {
    const toks = this.toks;
    let q = 0;
    let j = i;
    for (;;) {
      const t = toks[j];
      if (!t) return j;
      if (j > i && t.nl && this.asiBetween(toks[j - 1], t)) return j;
      if (t.type === T.TemplateOpen) {
        j = this.templateEnd(j);
        continue;
      }
      if (t.type === T.Punct) {
        switch (t.value) {
          case '(':
          case '[':
          case '{':
            j = this.match[j] + 1;
            continue;
          case ')':
          case ']':
          case '}':
          case ',':
          case ';':
            return j;
          case '?':
            q++;
            break;
          case ':':
            if (q === 0) return j;
            q--;
            break;
        }
      }
      j++;
    }
  }

  /** A line break between `a` and `b` ends the expression: b cannot continue it. */
  private asiBetween(a: Token, b: Token): boolean {
    const aEnds = a.type === T.Num || a.type === T.Str || a.type === T.Template || a.type === T.Regex || a.type === T.Private ||
      (a.type === T.Name && !CONTROL.has(a.value)) || (a.type === T.Punct && [')', ']', '}', '++', '--'].includes(a.value));
    if (!aEnds) return false;
    if (b.type === T.Name) return !EXPR_END_NAMES.has(b.value);
    if (b.type === T.Punct) return ['{', '++', '--', '!', '~'].includes(b.value);
    return b.type !== T.Template && b.type !== T.TemplateOpen;
  }
}

/** For each bracket token, the index of its partner (both ways); template pieces chain head → middles → tail. */
function matchBrackets(toks: Token[]): Int32Array {
  const match = new Int32Array(toks.length).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.type === T.Punct) {
      if (t.value === '(' || t.value === '[' || t.value === '{') stack.push(i);
      else if (t.value === ')' || t.value === ']' || t.value === '}') {
        const o = stack.pop();
        if (o === undefined) throw new Unsupported();
        match[o] = i;
        match[i] = o;
      }
    } else if (t.type === T.TemplateOpen || t.type === T.Template) {
      if (t.continuation) {
        const o = stack.pop();
        if (o === undefined) throw new Unsupported();
        match[o] = i;
        match[i] = o;
      }
      if (t.type === T.TemplateOpen) stack.push(i);
    }
  }
  if (stack.length) throw new Unsupported();
  return match;
}

