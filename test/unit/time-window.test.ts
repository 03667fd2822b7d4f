// Time windows of a trace (model/time-window.ts): the times people type, and the records a window keeps — tasks
// alive in it clipped to it, nothing before or after it — read in any chunk splits.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { findFindings } from '../../src/model/findings.js';
import { TraceIndex } from '../../src/model/index.js';
import { parseTrace } from '../../src/model/parser.js';
import { buildReport } from '../../src/model/report.js';
import { parseTime, parseWindow, TraceWindow, windowName } from '../../src/model/time-window.js';
import { FIXTURES, fixtureText, rng } from './helpers.js';

test('times after the start: a number with a unit, or seconds', () => {
  assert.equal(parseTime('12.5s'), 12.5e9);
  assert.equal(parseTime(' 1.5 s '), 1.5e9);
  assert.equal(parseTime('250ms'), 250e6);
  assert.equal(parseTime('850us'), 850e3);
  assert.equal(parseTime('850µs'), 850e3);
  assert.equal(parseTime('2min'), 120e9);
  assert.equal(parseTime('1m'), 60e9);
  assert.equal(parseTime('1h'), 3600e9);
  assert.equal(parseTime('3'), 3e9);
  assert.equal(parseTime('.5'), 0.5e9);
  assert.equal(parseTime('0'), 0);
  for (const bad of ['', 's', '-1s', '12x', '1e3s', '12.5 sec', 'abc', '1:30', '9999999999h']) assert.equal(parseTime(bad), null, bad);
});

test('a window needs readable times and an end after its start', () => {
  assert.deepEqual(parseWindow('12.5s', '20s'), { from: 12.5e9, to: 20e9 });
  assert.deepEqual(parseWindow(undefined, '1s'), { from: 0, to: 1e9 });
  assert.deepEqual(parseWindow('1s', undefined), { from: 1e9, to: Number.MAX_SAFE_INTEGER });
  assert.throws(() => parseWindow('soon', '2s'), /--from needs a time after the trace's start, like 12.5s, 250ms or 2min, not "soon"/);
  assert.throws(() => parseWindow('1s', '-2s'), /--to needs a time/);
  assert.throws(() => parseWindow('3s', '2s'), /--to \(2s\) must be later than --from \(3s\)/);
  assert.equal(windowName('a.lanes', 12.5e9, 20e9), 'a.lanes [12.5 s – 20.0 s]');
  assert.equal(windowName('a.lanes', 1e9, Number.MAX_SAFE_INTEGER), 'a.lanes [1.00 s – end]');
});

/** Task 1 sleeps across the window's start and ends in it; task 2 lives and dies before it; task 3 and the exit come
 * after it; a callback and executor work straddle its edges. */
const TRACE = [
  '{"format":"async-lanes","version":1,"runtime":"python","cwd":"/w"}',
  '["site",1,"/w/a.py",3,"main"]',
  '["thread",0,1,"worker"]',
  '["task",0,1,null,"main","main",1,0]',
  '["step",10,1,50,100,1,"sleep"]',
  '["task",90,2,1,"short","short",1,0]',
  '["step",0,2,5,null,1]',
  '["end",100,2,"ok","None",null]',
  '["cb",50,100,1]', // 250 .. 350
  '["set",250,100,"timer"]', // 500
  '["step",0,1,20,null,1]', // 500 .. 520
  '["work",0,100,1,null,"crunch",1]', // 500 .. 600
  '["end",20,1,"ok","None",null]', // 520
  '["task",80,3,null,"late","late",1,0]', // 600
  '["exit",100,"exit",0]', // 700
].join('\n') + '\n';

function windowOf(text: string, from: number, to: number, pieces = [text.length]): { text: string; w: TraceWindow } {
  const w = new TraceWindow(from, to);
  let out = '';
  let at = 0;
  for (const n of pieces) {
    out += w.push(text.slice(at, at + n));
    at += n;
  }
  return { text: out + w.push(text.slice(at)) + w.end(), w };
}

test('a window keeps the tasks alive in it, clipped to it, and times it from its start', () => {
  const { text, w } = windowOf(TRACE, 300, 550);
  const data = parseTrace(text);
  assert.deepEqual(data.header.window, { from: 300, to: 550 });
  assert.equal(data.skipped, 0);
  const index = new TraceIndex(data);
  assert.deepEqual(index.tasks.map((t) => t.id), [1], 'task 2 ended before, task 3 began after the window');
  const main = index.task(1)!;
  assert.equal(main.start, 0);
  assert.equal(main.end, 220);
  assert.equal(main.state, 'ok');
  assert.equal(main.idleByKind.sleep, 200, 'asleep from the window\'s start until the timer at 500');
  assert.equal(main.busyNs, 20);
  assert.deepEqual(index.callbacks.map((c) => [c.start, c.dur]), [[0, 50]], 'the callback clipped at the start');
  assert.deepEqual(index.work.map((x) => [x.start, x.dur]), [[200, 50]], 'the work clipped at the end');
  assert.equal(data.exit, null);
  assert.equal(data.threads.length, 1);
  assert.equal(w.lastTime, 700);
  assert.equal(w.kept, 4, 'set, step, work and end lie in it (the callback that starts before it is clipped, not counted)');
});

test('a window ending inside a step clips it; the task is pending at its end', () => {
  const index = new TraceIndex(parseTrace(windowOf(TRACE, 300, 510).text));
  const main = index.task(1)!;
  assert.equal(main.state, 'pending');
  assert.equal(main.busyNs, 10);
  assert.equal(index.meta.endNs, 210);
  assert.deepEqual(findFindings(index), [], 'still running at the window\'s end is not pending at exit');
});

test('a window past the end keeps nothing and says where the trace ends', () => {
  const { text, w } = windowOf(TRACE, 5000, 6000);
  assert.equal(w.kept, 0);
  assert.equal(w.lastTime, 700);
  assert.deepEqual(new TraceIndex(parseTrace(text)).tasks.map((t) => t.id), [3], 'the task that never ended is still alive');
});

test('the whole trace as a window: the same tasks, futures and findings, in any chunk splits', () => {
  const random = rng(13);
  const pick = (r: ReturnType<typeof buildReport>) => JSON.stringify({ tasks: r.tasks, futures: r.futures, findings: r.findings, callbacks: r.callbacks });
  for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.lanes') && f !== 'pending-cut.lanes')) {
    const text = fixtureText(name);
    const whole = pick(buildReport(new TraceIndex(parseTrace(text))));
    const once = windowOf(text, 0, Number.MAX_SAFE_INTEGER).text;
    assert.equal(pick(buildReport(new TraceIndex(parseTrace(once)))), whole, name);
    const pieces = Array.from({ length: 30 }, () => 1 + Math.floor(random() * 60));
    assert.equal(windowOf(text, 0, Number.MAX_SAFE_INTEGER, pieces).text, once, `${name} in pieces`);
  }
});

test('version 2 traces (a last step stands for its task\'s ok end): the same windows as from separate end records', () => {
  const v1 = [
    '{"format":"async-lanes","version":1,"runtime":"python","cwd":"/w"}',
    '["site",1,"/w/a.py",3,"main"]',
    '["task",0,1,null,"main","main",1,0]',
    '["step",10,1,50,100,1,"sleep"]',
    '["task",90,2,1,"Task-2","short",1,0]', // 100
    '["step",0,2,5,null,1]', // 100 .. 105
    '["end",5,2,"ok","None",1]',
    '["cb",145,100,1]', // 250 .. 350
    '["set",250,100,"timer"]', // 500
    '["step",0,1,20,null,1]', // 500 .. 520
    '["end",20,1,"ok","None",1]',
    '["task",80,3,null,"late","late",1,0]', // 600
    '["exit",100,"exit",0]', // 700
  ].join('\n') + '\n';
  const v2 = v1
    .replace('"version":1', '"version":2')
    .replace('"Task-2"', '2')
    .replace('["step",0,2,5,null,1]\n["end",5,2,"ok","None",1]\n["cb",145,', '["step",0,2,5,null,1,"None"]\n["cb",150,')
    .replace('["step",0,1,20,null,1]\n["end",20,1,"ok","None",1]\n["task",80,', '["step",0,1,20,null,1,"None"]\n["task",100,');
  assert.notEqual(v2.indexOf('"None"]\n["task",100,'), -1);
  const pick = (text: string) => {
    const index = new TraceIndex(parseTrace(text));
    const r = buildReport(index);
    return JSON.stringify({ tasks: r.tasks, futures: r.futures, findings: r.findings, callbacks: r.callbacks, end: index.meta.endNs });
  };
  assert.equal(pick(v2), pick(v1));
  // task 2: its last step across the window's start, after it; task 1: its last step cut by the window's end
  for (const [from, to] of [[0, Number.MAX_SAFE_INTEGER], [102, 600], [106, 600], [300, 550], [300, 510], [0, 103], [5000, 6000]]) {
    assert.equal(pick(windowOf(v2, from, to).text), pick(windowOf(v1, from, to).text), `${from}-${to}`);
  }
  const states = (text: string) => new TraceIndex(parseTrace(text)).tasks.map((t) => `${t.id} ${t.state}`);
  assert.deepEqual(states(windowOf(v2, 300, 510).text), ['1 pending']);
  assert.deepEqual(states(windowOf(v2, 102, 599).text), ['1 ok', '2 ok']);
  assert.deepEqual(states(windowOf(v2, 106, 599).text), ['1 ok']);
});
