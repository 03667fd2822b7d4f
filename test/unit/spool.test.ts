// The JSON report's temporary lists (src/files/spool.ts): entries come back in the order added (Spool) or by their
// keys, ties in the order added (SortedSpool), also when they went to disk in many sorted runs merged at the end.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SortedSpool, Spool } from '../../src/files/spool.js';
import { rng } from './helpers.js';

test('SortedSpool: by key, then key2, then the order added, through a dozen runs on disk', () => {
  const random = rng(13);
  const spool = new SortedSpool();
  const added: { key: number; key2: number; text: string }[] = [];
  const pad = 'x'.repeat(200);
  try {
    for (let i = 0; i < 120_000; i++) {
      // Few distinct keys: many ties across runs; a drift upwards like the futures' keys.
      const e = { key: Math.floor(i / 1000) + Math.floor(random() * 40), key2: Math.floor(random() * 3), text: `{"n":${i},"p":"${pad}"}` };
      added.push(e);
      spool.add(e.key, e.key2, e.text);
    }
    const expected = added.map((e, i) => ({ ...e, i })).sort((a, b) => a.key - b.key || a.key2 - b.key2 || a.i - b.i).map((e) => e.text);
    assert.deepEqual([...spool.items()].map((r) => r.text), expected);
  } finally {
    spool.dispose();
  }
});

test('Spool: the order added, from memory and from disk', () => {
  const spool = new Spool();
  const texts = Array.from({ length: 30_000 }, (_, i) => `{"n":${i},"p":"${'y'.repeat(i % 300)}"}`);
  try {
    for (const t of texts) spool.add(t);
    assert.deepEqual([...spool.items()].map((r) => r.text), texts);
  } finally {
    spool.dispose();
  }
});
