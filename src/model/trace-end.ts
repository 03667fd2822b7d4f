// Where a trace ends in time, from the end of its text alone: a trace too big to read says how long it is (so a person
// can choose a time window of it) after reading its last few KB. Times are deltas (docs/trace-format.md, "Time"), but
// writers start every flushed chunk with a clock record, so the records after the last clock have known times.

/** A record's `dt` (element 1) read without decoding the rest of the line; null when the line is not a timed record
 * (a site, a damaged line). Clock records carry the absolute time there instead. */
export function recordDelta(line: string): number | null {
  const comma = line.indexOf(',');
  if (!line.startsWith('["') || comma < 0 || line.startsWith('["site"')) return null;
  let end = comma + 1;
  while (end < line.length && line[end] !== ',' && line[end] !== ']') end++;
  const v = Number(line.slice(comma + 1, end));
  return Number.isSafeInteger(v) ? v : null;
}

/** The latest time (ns since the trace's start) of the records after the last clock record in `tail`, the end of a
 * trace's text (its first line, likely cut, and an unfinished last line are left out); null when `tail` holds no
 * clock record. Chunks of different writer threads interleave, so an earlier chunk may reach a little later: this is
 * where the trace ends to within a chunk's span. */
export function endTimeOfTail(tail: string): number | null {
  const lines = tail.split('\n');
  lines.pop(); // unfinished (or empty after the last newline)
  let clock = -1;
  for (let i = lines.length - 1; i >= 1 && clock < 0; i--) {
    if (lines[i].startsWith('["clock",')) clock = i;
  }
  if (clock < 0) return null;
  let t = recordDelta(lines[clock]);
  if (t === null) return null;
  let latest = t;
  for (let i = clock + 1; i < lines.length; i++) {
    const dt = recordDelta(lines[i]);
    if (dt === null) continue;
    t += dt;
    if (t > latest) latest = t;
  }
  return latest;
}
