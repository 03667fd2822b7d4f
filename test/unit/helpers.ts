// Shared by the unit tests: fixture loading (fixtures live in the source tree, tests run from out/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFindings } from '../../src/model/findings.js';
import { TraceIndex } from '../../src/model/index.js';
import { parseTrace } from '../../src/model/parser.js';

export const ROOT = join(__dirname, '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export function fixtureIndex(name: string): TraceIndex {
  return new TraceIndex(parseTrace(fixtureText(name)));
}

export function fixtureFindings(name: string) {
  return findFindings(fixtureIndex(name));
}

/** A small deterministic PRNG (mulberry32), so fuzz failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
