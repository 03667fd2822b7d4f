import { RawJson } from './spool.js';

export { RawJson };

/** A list given as an iterable (a generator over entries too many to hold at once): written like an array. */
function isList(v: unknown): v is Iterable<unknown> {
  return Array.isArray(v) || (typeof v === 'object' && v !== null && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function');
}

/** An object's JSON in pieces of about 1 MB, one array element per line: a million-step trace makes JSON larger
 * than the longest string V8 can hold, so it is never built as one string. Arrays, and iterables standing for
 * arrays, are written element by element; RawJson elements as they are. */
export function* jsonChunks(value: object): Generator<string> {
  let buf = '{';
  let first = true;
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    buf += `${first ? '' : ','}\n${JSON.stringify(key)}:`;
    first = false;
    if (!isList(v)) {
      buf += JSON.stringify(v);
      continue;
    }
    buf += '[';
    let i = 0;
    for (const e of v) {
      buf += (i++ === 0 ? '\n' : ',\n') + (e instanceof RawJson ? e.text : JSON.stringify(e));
      if (buf.length > 1 << 20) {
        yield buf;
        buf = '';
      }
    }
    buf += ']';
  }
  yield buf + '\n}\n';
}
