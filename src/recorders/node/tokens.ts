// A JavaScript tokenizer just precise enough for the load-time transform (transform.ts): names, numbers, strings,
// template pieces, regular expressions and punctuators, with positions and whether a line break precedes each token.
// Comments and whitespace are skipped. It throws TokenError on anything it cannot read; the caller then leaves the
// file untransformed.

export const enum T {
  Name,
  Num,
  Str,
  /** A template literal without substitutions, or its tail (`...\``). */
  Template,
  /** A template head (`\`...${`) or middle (`}...${`): a substitution follows. */
  TemplateOpen,
  Regex,
  Punct,
  /** PrivateName `#x`. */
  Private,
}

export interface Token {
  type: T;
  start: number;
  end: number;
  /** The text for names and punctuators (empty for the others). */
  value: string;
  /** A line terminator between the previous token and this one. */
  nl: boolean;
  /** A template piece that starts after a substitution (with `}`). */
  continuation?: boolean;
}

export class TokenError extends Error {}

// After these names a `/` starts a regular expression; after any other name it divides.
const REGEX_AFTER_NAME = new Set([
  'return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await',
]);

const PUNCTS = [
  '>>>=', '...', '===', '!==', '**=', '<<=', '>>=', '>>>', '&&=', '||=', '??=',
  '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<', '>>', '**',
  '{', '}', '(', ')', '[', ']', ';', ',', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '!', '~', '?', ':', '=', '.', '@',
];

const isIdStart = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 36 || c === 95 || c === 92 || c > 127;
const isIdPart = (c: number) => isIdStart(c) || (c >= 48 && c <= 57);
const isLineTerm = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const n = src.length;
  let i = 0;
  let nl = false;
  // One entry per open `{`: true when it is a template substitution's (its `}` resumes the template).
  const braces: boolean[] = [];
  // A hashbang line is a comment.
  if (src.startsWith('#!')) while (i < n && !isLineTerm(src.charCodeAt(i))) i++;

  const push = (type: T, start: number, end: number, value = '') => {
    out.push({ type, start, end, value, nl });
    nl = false;
  };
  const regexAllowed = (): boolean => {
    const p = out[out.length - 1];
    if (!p) return true;
    switch (p.type) {
      case T.Name:
        return REGEX_AFTER_NAME.has(p.value);
      case T.Punct:
        return p.value !== ')' && p.value !== ']' && p.value !== '}';
      case T.TemplateOpen:
        return true;
      default:
        return false;
    }
  };
  /** Reads template characters from i (after ` or }) to the closing ` or the next ${. */
  const template = (start: number) => {
    const continuation = src.charCodeAt(start) === 125;
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === 92) i += 2;
      else if (c === 96) {
        i++;
        push(T.Template, start, i);
        if (continuation) out[out.length - 1].continuation = true;
        return;
      } else if (c === 36 && src.charCodeAt(i + 1) === 123) {
        i += 2;
        braces.push(true);
        push(T.TemplateOpen, start, i);
        if (continuation) out[out.length - 1].continuation = true;
        return;
      } else i++;
    }
    throw new TokenError('unterminated template literal');
  };

  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff || (c > 127 && /\s/.test(src[i]) && !isLineTerm(c))) {
      i++;
      continue;
    }
    if (isLineTerm(c)) {
      nl = true;
      i++;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 47) {
      while (i < n && !isLineTerm(src.charCodeAt(i))) i++;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 42) {
      const e = src.indexOf('*/', i + 2);
      if (e < 0) throw new TokenError('unterminated comment');
      if (/[\n\r\u2028\u2029]/.test(src.slice(i, e))) nl = true;
      i = e + 2;
      continue;
    }
    const start = i;
    if (isIdStart(c)) {
      if (c > 127 && !/[\p{ID_Start}]/u.test(String.fromCodePoint(src.codePointAt(i)!))) {
        throw new TokenError(`unexpected character at ${i}`);
      }
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d < 128 ? isIdPart(d) : /[\p{ID_Continue}\u200c\u200d]/u.test(src[i]) || (d >= 0xd800 && d <= 0xdfff)) i++;
        else break;
      }
      push(T.Name, start, i, src.slice(start, i));
      continue;
    }
    if (c === 35 && i + 1 < n && isIdStart(src.charCodeAt(i + 1))) {
      i++;
      while (i < n && isIdPart(src.charCodeAt(i))) i++;
      push(T.Private, start, i, src.slice(start, i));
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 && src.charCodeAt(i + 1) >= 48 && src.charCodeAt(i + 1) <= 57)) {
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (isIdPart(d) || d === 46) i++;
        else if ((d === 43 || d === 45) && /[eE]/.test(src[i - 1]) && !/^0[xXbBoO]/.test(src.slice(start, i))) i++;
        else break;
      }
      push(T.Num, start, i);
      continue;
    }
    if (c === 34 || c === 39) {
      i++;
      while (i < n && src.charCodeAt(i) !== c) {
        if (src.charCodeAt(i) === 92) i++;
        else if (src.charCodeAt(i) === 10) throw new TokenError('unterminated string');
        i++;
      }
      if (i >= n) throw new TokenError('unterminated string');
      i++;
      push(T.Str, start, i);
      continue;
    }
    if (c === 96) {
      i++;
      template(start);
      continue;
    }
    if (c === 125 && braces.length > 0 && braces[braces.length - 1]) {
      braces.pop();
      i++;
      template(start);
      continue;
    }
    if (c === 47 && regexAllowed()) {
      i++;
      let cls = false;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (isLineTerm(d)) throw new TokenError('unterminated regular expression');
        if (d === 92) i++;
        else if (d === 91) cls = true;
        else if (d === 93) cls = false;
        else if (d === 47 && !cls) break;
        i++;
      }
      if (i >= n) throw new TokenError('unterminated regular expression');
      i++;
      while (i < n && isIdPart(src.charCodeAt(i))) i++;
      push(T.Regex, start, i);
      continue;
    }
    const p = PUNCTS.find((s) => src.startsWith(s, i));
    if (p === undefined) throw new TokenError(`unexpected character ${JSON.stringify(src[i])} at ${i}`);
    // `?.` followed by a digit is `?` then a number (a ? .5 : 1).
    const value = p === '?.' && src.charCodeAt(i + 2) >= 48 && src.charCodeAt(i + 2) <= 57 ? '?' : p;
    i += value.length;
    if (value === '{') braces.push(false);
    else if (value === '}') braces.pop();
    push(T.Punct, start, i, value);
  }
  return out;
}
