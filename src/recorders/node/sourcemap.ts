// Source map lookup (v3, `mappings` in base64 VLQ), for the writer thread: a site in generated JavaScript (compiled
// TypeScript) is reported at its original file and line. Each site is resolved once, never per event.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface RawMap {
  sources?: (string | null)[];
  sourceRoot?: string;
  mappings?: string;
}

export interface Original {
  file: string;
  line: number;
}

const B64 = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => (B64[c.charCodeAt(0)] = i));

export class SourceMap {
  /** Per generated line (0-based): flat [genCol, sourceIndex, origLine (0-based)] triples, by column. */
  private readonly lines: number[][] = [];
  private readonly sources: string[];

  constructor(raw: RawMap, mapDir: string) {
    const root = raw.sourceRoot ?? '';
    this.sources = (raw.sources ?? []).map((s) => {
      const p = (root && !isAbsolute(s ?? '') ? root.replace(/\/?$/, '/') : '') + (s ?? '');
      if (p.startsWith('file://')) return fileURLToPath(p);
      return isAbsolute(p) ? p : resolve(mapDir, p);
    });
    let src = 0;
    let oLine = 0;
    let oCol = 0;
    const m = raw.mappings ?? '';
    let line: number[] = [];
    let gCol = 0;
    let i = 0;
    const vals: number[] = [];
    while (i <= m.length) {
      const ch = m[i];
      if (ch === ';' || ch === undefined) {
        this.lines.push(line);
        line = [];
        gCol = 0;
        i++;
        continue;
      }
      if (ch === ',') {
        i++;
        continue;
      }
      vals.length = 0;
      while (i < m.length && m[i] !== ',' && m[i] !== ';') {
        let value = 0;
        let shift = 0;
        let digit: number;
        do {
          digit = B64[m.charCodeAt(i++)];
          if (digit < 0) return;
          value += (digit & 31) << shift;
          shift += 5;
        } while (digit & 32);
        vals.push(value & 1 ? -(value >>> 1) : value >>> 1);
      }
      gCol += vals[0];
      if (vals.length >= 4) {
        src += vals[1];
        oLine += vals[2];
        oCol += vals[3];
        line.push(gCol, src, oLine);
      }
    }
  }

  /** The original position of generated line (1-based) and column (0-based), or null when unmapped. */
  lookup(line: number, col: number): Original | null {
    const segs = this.lines[line - 1];
    if (!segs || segs.length === 0) return null;
    let k = 0;
    for (let j = 0; j < segs.length; j += 3) if (segs[j] <= col) k = j;
    const file = this.sources[segs[k + 1]];
    return file === undefined ? null : { file, line: segs[k + 2] + 1 };
  }
}

export function parseMap(json: string, mapDir: string): SourceMap | null {
  try {
    return new SourceMap(JSON.parse(json) as RawMap, mapDir);
  } catch {
    return null;
  }
}

/** The map a compiled JavaScript file names in its last `//# sourceMappingURL=` comment (a file or a data: URL). */
export function mapOfFile(file: string): SourceMap | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const found = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(text.slice(-4096));
  if (!found) return null;
  const url = found[1];
  const data = /^data:application\/json;(?:charset=[^;,]+;)?base64,(.*)$/.exec(url);
  if (data) return parseMap(Buffer.from(data[1], 'base64').toString('utf8'), dirname(file));
  const path = url.startsWith('file://') ? fileURLToPath(url) : resolve(dirname(file), decodeURIComponent(url));
  if (!existsSync(path)) return null;
  try {
    return parseMap(readFileSync(path, 'utf8'), dirname(path));
  } catch {
    return null;
  }
}
