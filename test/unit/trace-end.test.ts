// Where a trace ends in time, from its last bytes only (model/trace-end.ts, files/trace-end-file.ts): the message
// about a trace too big for the timeline says how long it runs.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTraceEnd } from '../../src/files/trace-end-file.js';
import { endTimeOfTail, recordDelta } from '../../src/model/trace-end.js';
import { TraceWindow } from '../../src/model/time-window.js';
import { FIXTURES } from './helpers.js';

test('a record\'s dt without decoding the line; sites and damaged lines have none', () => {
  assert.equal(recordDelta('["step",4211,17,2380,18,5]'), 4211);
  assert.equal(recordDelta('["set",-412,17,"timer"]'), -412);
  assert.equal(recordDelta('["clock",900000]'), 900000);
  assert.equal(recordDelta('["site",5,"/a.py",3,"f"]'), null);
  assert.equal(recordDelta('["step",4.5,17]'), null);
  assert.equal(recordDelta('garbage'), null);
});

test('the latest time after the last clock, the cut first line and an unfinished last line left out', () => {
  const tail = [
    '9,17,2380,18,5]', // cut: may look like anything
    '["clock",1000]',
    '["step",10,1,5,2,3]',
    '["clock",5000]',
    '["step",100,1,5,2,3]',
    '["site",9,"/a.py",3,"f"]',
    '["set",-50,2,"timer"]',
    '["end",20,1,"ok","None",3]',
    '["step",99999',
  ].join('\n');
  assert.equal(endTimeOfTail(tail), 5100);
  assert.equal(endTimeOfTail('["clock",5000]\n["step",100,1,5,2,3]\n'), null, 'the first line is taken as cut');
  assert.equal(endTimeOfTail('x\n["step",100,1,5,2,3]\n'), null, 'no clock: times unknown');
});

test('a file: the same end as reading it whole, through tails of any size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lanes-end-'));
  try {
    // A long trace: many chunks, each with its clock, so the last one lies in the last KB.
    const text = readFileSync(join(FIXTURES, 'gather.lanes'), 'utf8');
    const lines = text.trimEnd().split('\n');
    const body: string[] = [lines[0]];
    for (let c = 0; c < 3000; c++) body.push(`["clock",${c * 1_000_000}]`, `["step",5,1,10,null,null]`, `["step",300,1,10,null,null]`);
    const file = join(dir, 'long.lanes');
    writeFileSync(file, body.join('\n') + '\n');
    assert.equal(readTraceEnd(file, statSync(file).size), 2999 * 1_000_000 + 305);
    // A small trace whose only clock is near its start: the tail grows to the whole file.
    const small = join(dir, 'gather.lanes');
    writeFileSync(small, text);
    const whole = new TraceWindow(0, Number.MAX_SAFE_INTEGER);
    whole.push(text);
    assert.equal(readTraceEnd(small, statSync(small).size), whole.lastTime);
    assert.equal(readTraceEnd(join(dir, 'missing.lanes'), 10), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
