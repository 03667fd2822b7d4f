// Where a recorded line is now. The recording names lines by number; once the file is edited the number may point
// at other code. A line whose text is unchanged stays; one that moved (lines added or removed above it) is found by
// its text nearby; one whose text changed is stale: the figures and findings no longer describe it.

/** How far from its recorded number a line's text is looked for. */
const SEARCH = 200;

export interface Placed {
  line: number;
  stale: boolean;
}

/**
 * The 1-based line now holding what `recorded` (the file's lines at the recording) had at `line`, in `current` (the
 * open document's lines; null: not open, the file on disk is taken as unchanged). Stale: the text changed, `line`
 * is the recorded number.
 */
export function placeLine(line: number, recorded: readonly string[] | null | undefined, current: readonly string[] | null): Placed {
  if (current === null || !recorded || line < 1 || line > recorded.length) return { line, stale: false };
  const want = recorded[line - 1].trim();
  if (current[line - 1]?.trim() === want) return { line, stale: false };
  if (want === '') return { line, stale: true };
  for (let d = 1; d <= SEARCH; d++) {
    if (current[line - 1 - d]?.trim() === want) return { line: line - d, stale: false };
    if (current[line - 1 + d]?.trim() === want) return { line: line + d, stale: false };
  }
  return { line, stale: true };
}

/** The range of a line's code, without its indentation and trailing blanks (0-based line and characters). */
export function codeRange(text: string | undefined, line0: number): { start: { line: number; character: number }; end: { line: number; character: number } } {
  const t = text ?? '';
  const start = t.length - t.trimStart().length;
  const end = Math.max(start, t.trimEnd().length);
  return { start: { line: line0, character: start }, end: { line: line0, character: end } };
}
