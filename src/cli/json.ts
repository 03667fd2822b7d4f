/** An object's JSON in pieces of about 1 MB, one array element per line: a million-step trace makes JSON larger
 * than the longest string V8 can hold, so it is never built as one string. */
export function* jsonChunks(value: object): Generator<string> {
  let buf = '{';
  let first = true;
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    buf += `${first ? '' : ','}\n${JSON.stringify(key)}:`;
    first = false;
    if (!Array.isArray(v)) {
      buf += JSON.stringify(v);
      continue;
    }
    buf += '[';
    for (let i = 0; i < v.length; i++) {
      buf += (i === 0 ? '\n' : ',\n') + JSON.stringify(v[i]);
      if (buf.length > 1 << 20) {
        yield buf;
        buf = '';
      }
    }
    buf += ']';
  }
  yield buf + '\n}\n';
}
