// The one live-trace class of every view (extension host, webview): text appended in any pieces gives the index one
// load gives, and the notices a person sees for damaged, cut-off, live, unfinished and too-big traces.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { LiveTrace } from '../../src/model/live-trace.js';
import { parseTrace } from '../../src/model/parser.js';
import { TraceIndex } from '../../src/model/index.js';
import { buildReport } from '../../src/model/report.js';
import { FIXTURES, fixtureText, rng } from './helpers.js';

const HEADER = '{"format":"async-lanes","version":1,"runtime":"python"}\n';
const BODY = '["site",1,"/a.py",3,"main"]\n["task",0,1,null,"main","main",1,0]\n["step",10,1,50,null,1]\n';
const EXIT = '["end",60,1,"ok","None",null]\n["exit",5,"exit",0]\n';

function report(t: LiveTrace): string {
  const a = t.analyse();
  assert.ok(a);
  return JSON.stringify(buildReport(a.index, a.findings));
}

const texts = (t: LiveTrace) => t.notices().map((n) => `${n.level}: ${n.text}`);

test('appending a fixture in arbitrary pieces gives the index one load gives', () => {
  const random = rng(14);
  for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.lanes'))) {
    const text = fixtureText(name);
    const whole = new LiveTrace();
    whole.load(text, false);
    // (A whole file read once drops an unfinished last line as truncated; a live view waits for the rest.)
    if (text.endsWith('\n')) assert.equal(report(whole), JSON.stringify(buildReport(new TraceIndex(parseTrace(text)))), name);
    for (let round = 0; round < 20; round++) {
      const t = new LiveTrace();
      let at = Math.floor(random() * 40);
      t.load(text.slice(0, at), false);
      while (at < text.length) {
        const next = Math.min(text.length, at + 1 + Math.floor(random() * (random() < 0.3 ? 3 : 200)));
        t.append(text.slice(at, next));
        if (random() < 0.2 && t.data) t.analyse(); // an analysis in between is replaced by the next one
        at = next;
      }
      assert.equal(report(t), report(whole), `${name}, round ${round}`);
      assert.deepEqual(t.notices(), whole.notices(), name);
    }
  }
});

test('one analysis per change: analyse() is kept until more text arrives', () => {
  const t = new LiveTrace();
  t.load(HEADER + BODY, true);
  const a = t.analyse();
  assert.equal(t.analyse(), a);
  t.append(EXIT);
  assert.notEqual(t.analyse(), a);
  assert.equal(t.analyse()!.index.meta.exit?.how, 'exit');
});

test('while a trace is being written, a task without an end is running, not pending at exit; when it ends, it is', () => {
  const t = new LiveTrace();
  t.load(HEADER + BODY, true);
  assert.deepEqual(t.analyse()!.findings.map((f) => f.kind), [], 'a recording (or a paused debug session) in progress');
  t.ended();
  const after = t.analyse()!.findings;
  assert.deepEqual(after.map((f) => f.kind), ['pending-at-exit'], 'the file stopped growing without an exit record');
  assert.match(after[0].message, /when the trace was cut off/);
});

test('rebuilds are paced: after a build, the wait leaves three times its length', () => {
  const clock = [1000, 1010]; // the build starts at 1000 and takes 10 ms
  let now = 0;
  const t = new LiveTrace(() => clock.shift() ?? now);
  t.load(HEADER + BODY, true);
  t.analyse();
  now = 1015;
  assert.equal(t.rebuildDelay(), 1010 + 40 - 1015);
  now = 1050;
  assert.equal(t.rebuildDelay(), 0);
});

test('notices: a finished trace has none', () => {
  const t = new LiveTrace();
  t.load(HEADER + BODY + EXIT, false);
  assert.deepEqual(texts(t), []);
});

test('notices: no exit record, live (info) and not (warning)', () => {
  const t = new LiveTrace();
  t.load(HEADER + BODY, true);
  assert.deepEqual(texts(t), ['info: No exit record yet: the program is still running, or was killed. New records appear as they arrive.']);
  t.ended();
  assert.deepEqual(texts(t), ['warning: The trace has no exit record: the program was killed or still running when it was copied.']);
});

test('notices: cut off mid-record, live and not; the rest of the line arriving clears it', () => {
  const t = new LiveTrace();
  t.load(HEADER + BODY + '["end",60,1,"o', true);
  assert.deepEqual(texts(t), ['warning: The trace ends mid-record: the program is still writing it, or was killed. Showing what has been read; new records appear as they arrive.']);
  const copy = new LiveTrace();
  copy.load(HEADER + BODY + '["end",60,1,"o', false);
  assert.deepEqual(texts(copy), ['warning: Truncated trace: it ends mid-record (the program was killed while writing it, or is still writing); the last line was dropped.']);
  t.append('k","None",null]\n["exit",5,"exit",0]\n');
  assert.deepEqual(texts(t), []);
});

test('notices: damaged lines are counted with the first one; a newer version is said', () => {
  const t = new LiveTrace();
  t.load(HEADER.replace('"version":1', '"version":7') + BODY + 'garbage\n["step","x"]\n' + EXIT, false);
  assert.deepEqual(texts(t), [
    "warning: trace format version 7 is newer than this reader's (2); some details may be missing",
    'warning: Damaged trace: 2 unreadable lines skipped (the first is line 5); the rest was read.',
  ]);
});

test('notices: not a trace, a failed source, and a trace too big for the timeline', () => {
  const t = new LiveTrace();
  t.load('hello\n', false);
  assert.equal(t.data, null);
  assert.equal(t.analyse(), null);
  assert.match(texts(t)[0], /^error: Not a readable trace: line 1: not an Async Lanes trace/);
  const lost = new LiveTrace();
  lost.load(HEADER + BODY + EXIT, true);
  lost.fail('Lost the connection');
  assert.deepEqual(texts(lost), ['error: Lost the connection']);
  assert.ok(lost.analyse(), 'what was read stays');
  const big = new LiveTrace();
  big.load(HEADER + BODY, true);
  big.tooBig(412e6, 100e6);
  assert.equal(big.oversize, true);
  assert.equal(big.analyse(), null, 'what was read is let go');
  big.append(EXIT);
  assert.equal(big.data, null, 'nothing more is read');
  assert.deepEqual(texts(big), ["error: This trace is too big for the timeline: 412 MB, and the timeline holds up to 100 MB. Open a time window of it (times after the trace's start; tasks alive in it are kept, clipped to it)."]);
  big.tooBig(412e6, 100e6, 93.2e9);
  assert.deepEqual(texts(big), ["error: This trace is too big for the timeline: 412 MB over 93.2 s, and the timeline holds up to 100 MB. Open a time window of it (times after the trace's start, up to 93.2 s; tasks alive in it are kept, clipped to it)."], 'how long it runs, when known');
  big.load(HEADER + BODY + EXIT, false);
  assert.deepEqual(texts(big), [], 'a new load starts over');
});

test('notices: a time window says where it lies instead of the missing exit', () => {
  const t = new LiveTrace();
  t.load(HEADER.replace('}', ',"window":{"from":12500000000,"to":20000000000}}') + BODY, false);
  assert.deepEqual(texts(t), ['info: A time window of the trace, from 12.5 s to 20.0 s after its start (0 on the axis is 12.5 s). Tasks alive in it are clipped to it.']);
});
