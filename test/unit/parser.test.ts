import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { TraceFormatError, TraceParser, parseTrace } from '../../src/model/parser.js';
import { TraceIndex } from '../../src/model/index.js';
import { decodeLine, decodeRecord, learnStrings } from '../../src/model/records.js';
import { fixtureText, rng } from './helpers.js';

const HEADER = '{"format":"async-lanes","version":1,"runtime":"python","argv":["x.py"],"cwd":"/p","start":"2026-11-21T19:00:00Z"}';
const NOT_A_TRACE = 'line 1: not an Async Lanes trace (expected a header with "format":"async-lanes")';

function parseChunks(chunks: string[]) {
  const p = new TraceParser();
  for (const c of chunks) p.push(c);
  return p.end();
}

test('chunking at every character position gives the same result', () => {
  const text = fixtureText('gather.lanes');
  const whole = parseTrace(text);
  assert.equal(whole.skipped, 0);
  for (let i = 0; i <= text.length; i++) {
    assert.deepEqual(parseChunks([text.slice(0, i), text.slice(i)]), whole, `split at ${i}`);
  }
  assert.deepEqual(parseChunks([...text]), whole, 'one character per chunk');
});

test('chunking at every UTF-8 byte position (streaming decoder) gives the same result', () => {
  const text = HEADER + '\n["site",1,"/p/é.py",3,"f"]\n["task",5,1,null,"Tâsk-1 ✓","main",1,0]\n["end",7,1,"ok","\'héllo…\' 🎉",null]\n';
  const bytes = new TextEncoder().encode(text);
  const whole = parseTrace(text);
  assert.equal(whole.ends[0].text, "'héllo…' 🎉");
  for (let i = 0; i <= bytes.length; i++) {
    const d = new TextDecoder('utf-8');
    const chunks = [d.decode(bytes.subarray(0, i), { stream: true }), d.decode(bytes.subarray(i))];
    assert.deepEqual(parseChunks(chunks), whole, `split at byte ${i}`);
  }
});

test('times are reconstructed from deltas, negative deltas and clock records', () => {
  const data = parseTrace(fixtureText('eager.lanes'));
  const steps = data.steps.map((s) => [s.id, s.t, s.dur]);
  assert.deepEqual(steps, [[2, 10, 20], [1, 0, 100], [2, 510, 10], [1, 530, 10]]);
  assert.equal(data.exit?.t, 600);
  const g = parseTrace(fixtureText('gather.lanes'));
  assert.equal(g.sets.find((s) => s.id === 11)?.t, 1000);
  assert.equal(g.endNs, 2300);
});

test('a truncated last line is dropped and flagged; a complete last line without newline is kept', () => {
  const text = fixtureText('gather.lanes');
  const whole = parseTrace(text);
  const cut = parseTrace(text + '["step",3,1,20,nu');
  assert.equal(cut.truncated, true);
  assert.equal(cut.skipped, 0);
  assert.deepEqual(cut.steps, whole.steps);
  const kept = parseTrace(text + '["name",5,1,"renamed"]');
  assert.equal(kept.truncated, false);
  assert.deepEqual(kept.names.map((n) => [n.name, n.t]), [['renamed', 2305]]);
  assert.equal(parseTrace(HEADER).truncated, false, 'a header alone, no newline');
});

test('corrupt middle lines and wrong element types are skipped, counted, first line kept', () => {
  const lines = fixtureText('await-task.lanes').trimEnd().split('\n');
  lines.splice(9, 0, 'garbage{', '["step","x",1,2,3,4]', '["end",0,1,"weird","",null]', '{"a":1}', '[]');
  const data = parseTrace(lines.join('\n') + '\n');
  assert.equal(data.skipped, 5);
  assert.equal(data.firstSkippedLine, 10);
  const clean = parseTrace(fixtureText('await-task.lanes'));
  assert.deepEqual(data.steps, clean.steps);
  assert.deepEqual(data.ends, clean.ends);
});

test('unknown kinds, extra elements and unknown header fields are ignored; an unknown kind still moves the clock', () => {
  const text =
    HEADER.replace('{', '{"newField":[1,2],') + '\n' +
    '["task",10,1,null,"T","main",null,0,"extra",{"x":1}]\n' +
    '["future-kind",5,"anything"]\n' +
    '["shiny"]\n' +
    '["step",5,1,3,null,null,99]\n';
  const data = parseTrace(text);
  assert.equal(data.skipped, 0);
  assert.equal(data.records, 4);
  assert.deepEqual(data.tasks[0], { t: 10, id: 1, parent: null, name: 'T', coro: 'main', site: null, loop: 0 });
  assert.deepEqual(data.steps[0], { t: 20, id: 1, dur: 3, awaited: null, site: null });
  assert.equal(data.header.newField !== undefined, true);
});

test('a step whose 7th element is a kind defines the future it awaits, as the fut record it replaces does', () => {
  const separate = fixtureText('future-by-task.lanes');
  // fut 21 (a sleep) was created by task 2 at site 3 during the step that then awaits it
  const folded = separate.replace('["fut",25,21,"sleep",2,3]\n["step",-5,2,10,21,3]\n', '["step",20,2,10,21,3,"sleep"]\n');
  assert.notEqual(folded, separate);
  const a = parseTrace(separate);
  const b = parseTrace(folded);
  assert.equal(b.skipped, 0);
  assert.deepEqual(b.steps, a.steps);
  assert.deepEqual(b.futs.find((f) => f.id === 21), { t: 20, id: 21, kind: 'sleep', owner: 2, site: 3, children: [] });
  const ia = new TraceIndex(a);
  const ib = new TraceIndex(b);
  assert.deepEqual({ ...ib.future(21), created: 25 }, ia.future(21), 'the same future, created at the step\'s start');
  assert.deepEqual(ib.task(2), ia.task(2));
  // without an awaited id (then it is the task's result: see below), or with a 7th element that is not a string, no
  // future is defined
  const none = parseTrace(HEADER + '\n["step",0,1,3,null,null,"io"]\n["step",5,1,3,7,null,99]\n');
  assert.equal(none.skipped, 0);
  assert.deepEqual(none.futs, []);
});

test('version 2: a task name that is a number N is asyncio\'s Task-N; a last step with a string stands for its ok end', () => {
  // task 2's end, at its last step's end and site, written as the step's 7th element
  const separate = fixtureText('future-by-task.lanes').replace('["end",10,2,"ok","None",null]', '["end",10,2,"ok","None",4]');
  const folded = separate
    .replace('"version":1', '"version":2')
    .replace('"Task-2"', '2')
    .replace('["step",-5,2,10,null,4]\n["end",10,2,"ok","None",4]\n["set",35,', '["step",-5,2,10,null,4,"None"]\n["set",45,');
  assert.equal(folded.includes('["step",-5,2,10,null,4,"None"]\n["set",45,') && folded.includes('["task",3,2,1,2,'), true);
  const a = parseTrace(separate);
  const b = parseTrace(folded);
  assert.equal(b.skipped, 0);
  assert.deepEqual(b.notices, []);
  assert.deepEqual(b.tasks, a.tasks);
  assert.deepEqual(b.steps, a.steps);
  assert.deepEqual(b.ends, a.ends);
  assert.equal(b.endNs, a.endNs);
  assert.deepEqual(new TraceIndex(b).task(2), new TraceIndex(a).task(2));
  assert.equal(parseTrace(HEADER + '\n["task",0,1,null,0,"m",1]\n["task",0,2,null,1234567,"m",1]\n').tasks.map((t) => t.name).join(), 'Task-0,Task-1234567');
  const bad = parseTrace(HEADER + '\n["task",0,1,null,-1,"m",1]\n["task",0,2,null,1.5,"m",1]\n' + '["task",0,3,null,"x","m",1]\n'.repeat(3));
  assert.deepEqual([bad.skipped, bad.tasks.length], [2, 3]);
  // a fut record's children: a negative -d is the id d more than the one before it
  const kids = parseTrace(HEADER + '\n["fut",0,9,"gather",null,null,[1001,-1,-1,-5,7,0,-2]]\n["fut",0,8,"wait",null,null,[-1,2]]\n["fut",0,7,"wait",null,null,[]]\n');
  assert.equal(kids.skipped, 1, 'a difference without an id before it is damage');
  assert.deepEqual(kids.futs.map((f) => f.children), [[1001, 1002, 1003, 1008, 7, 0, 2], []]);
});

test('missing optional trailing elements read as null / empty', () => {
  const data = parseTrace(HEADER + '\n["task",0,1,null,null,"m",1]\n["fut",0,2,"gather",1,1]\n["set",1,2,null]\n["end",1,1,"ok","1"]\n');
  assert.equal(data.skipped, 0);
  assert.equal(data.tasks[0].loop, null);
  assert.deepEqual(data.futs[0].children, []);
  assert.equal(data.sets[0].text, '');
  assert.equal(data.ends[0].site, null);
});

/** Reads `lines` one by one through decodeLine (JSON.parse when it declines) and through JSON.parse only. */
function bothWays(lines: string[]) {
  const fast = parseTrace(HEADER + '\n');
  const slow = parseTrace(HEADER + '\n');
  const fastClock = { t: 0 };
  const slowClock = { t: 0 };
  let declined = 0;
  for (const line of lines) {
    let ok = decodeLine(line, fast, fastClock);
    if (ok === undefined) {
      declined++;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        v = undefined;
      }
      ok = Array.isArray(v) && decodeRecord(v, fast, fastClock);
      if (ok) learnStrings(v as unknown[]);
    }
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      v = undefined;
    }
    const want = Array.isArray(v) && decodeRecord(v, slow, slowClock);
    assert.equal(ok, want, line);
    assert.deepEqual(fast, slow, line);
    assert.equal(fastClock.t, slowClock.t, line);
    assert.ok(Object.is(fastClock.t, slowClock.t), line);
  }
  return declined;
}

test('record lines decoded without JSON.parse read exactly as JSON.parse reads them', () => {
  const common = [
    '["clock",1000]', '["step",0,1,28082,13,1,"io"]', '["set",137679,16,"io"]', '["fut",2271,24,"lock",20,59]',
    '["end",29048,94,"ok","None",null]', '["task",0,1,null,"Task-1","main",1,0]', '["set",5,16,"timer",null,"result","None"]',
    '["step",-40,1,5,null,null]', '["work",2653,471368,1,84,"load_blob",189]', '["cb",0,3404,196]',
    '["step",1,1,2,3,4,"sleep"]', '["step",1,1,2]', // a short line after a long one: the rest reads as missing
    '["set",0,2,null]', '["end",1,1,"error","boom",7]', '["zzz",5]', '["zzz","x"]', '["step","1",1,2]',
    '["step",1,1,-2,3]', '["clock",999999999999999]',
  ];
  const declinedCommon = bothWays(common);
  assert.equal(declinedCommon, 0, 'the common lines are all decoded without JSON.parse');
  const odd = [
    '["step",01,1,2]', '["step",-0,1,2]', '["clock",1e3]', '["clock",1.5]', '["clock",1234567890123456789]',
    '["end",1,1,"ok","a long result text past twelve",null]', '["end",1,1,"ok","esc\\"aped",null]', '["end",1,1,"ok","\\u00e9",null]',
    '["fut",0,2,"gather",1,1,[3,4]]', '[ "step",1,1,2]', '["step",1,1,2 ]', '["step",1,1,2,]', '["step",,1]', '[]', '["step"',
    '["step",1,1,2]]', '["step",1,1,2]x', '["step",true,1,2]', '["step",nul,1,2]', '["step",nulll,1,2]', '{"a":1}', '"step"',
    '["a",1,2,3,4,5,6,7,8,9,10,11]', '["step",1,1,2,null,null,"sleep"]', '["name",1,2,"é ✓ 🎉"]', '["end",1,1,"ok","tab\there",null]',
  ];
  assert.ok(bothWays(odd) >= 20, 'lines of other shapes are left to JSON.parse');
  // A longer string is read without JSON.parse once a line JSON.parse read had it (a string with an escape never is).
  const result = '["set",1,7,"callback",null,"result","<Response [202]>"]';
  assert.equal(bothWays([result, result, result]), 1);
  const escaped = '["end",1,1,"ok","a \\"quoted\\" result",null]';
  assert.equal(bothWays([escaped, escaped]), 2);
  // Seeded mixes of the tokens above, including damaged ones, in every order.
  const r = rng(13);
  const tokens = ['0', '1', '-3', '17', '007', '-0', '2.5', 'null', '"io"', '"None"', '"ok"', '"x\\"y"', '"twelve chars"', '"thirteen char"', '[1]', 'true', ''];
  const kinds = ['"step"', '"set"', '"fut"', '"end"', '"task"', '"clock"', '"name"', '"cb"', '"work"', '"block"', '"exit"', '"warn"', '"loop"', '"thread"', '"notice"', '"site"'];
  const random: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const n = Math.floor(r() * 9);
    const parts = [kinds[Math.floor(r() * kinds.length)]];
    for (let j = 0; j < n; j++) parts.push(tokens[Math.floor(r() * tokens.length)]);
    random.push(`[${parts.join(',')}]`);
  }
  bothWays(random);
});

test('record objects keep one shape whatever their values (V8 does not migrate them one by one later)', () => {
  // Steps before and after the clock passes 2^30 ns (where times stop being small integers), awaiting nothing and a
  // future; sets with and without a resolver: each kind's objects must share V8's hidden class.
  const code = `
    const { parseTrace } = require(${JSON.stringify(join(__dirname, '../../src/model/parser.js'))});
    const d = parseTrace(${JSON.stringify(HEADER)} + '\\n["step",5,1,3,null,null]\\n["set",1,9,"timer"]\\n["clock",${2 ** 40}]\\n["step",5,1,3,9,2]\\n["set",1,9,"task",1,"result","x"]\\n["end",1,1,"ok",null,null]\\n');
    const same = (a, b) => %HaveSameMap(a, b);
    process.stdout.write(JSON.stringify([same(d.steps[0], d.steps[1]), same(d.sets[0], d.sets[1]), d.steps.length, d.sets.length]));
  `;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [true, true, 2, 2]);
});

test('a newer format version is read with a notice', () => {
  const data = parseTrace(HEADER.replace('"version":1', '"version":7') + '\n');
  assert.equal(data.header.version, 7);
  assert.match(data.notices[0], /version 7 is newer/);
});

test('foreign files are refused with one message naming line 1', () => {
  const png = String.fromCharCode(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13) + 'IHDR\u0000\u0000';
  for (const input of ['', '\n', '   ', '{"format":"other","version":1}\n["step",1,1,1,null,null]\n', '["step",1]\n', png, '{"format":"async-lanes"', 'null\n', '{}\n']) {
    assert.throws(() => parseTrace(input), (err: unknown) => {
      assert.ok(err instanceof TraceFormatError, `${JSON.stringify(input)}: ${String(err)}`);
      assert.equal(err.message, NOT_A_TRACE);
      assert.equal(err.line, 1);
      return true;
    });
  }
});

test('binary input fails fast, on push, and keeps failing', () => {
  const p = new TraceParser();
  assert.throws(() => p.push('\u0000\u0001garbage'), TraceFormatError);
  assert.throws(() => p.push('more'), TraceFormatError);
  assert.throws(() => p.end(), TraceFormatError);
});

test('more than half of the records damaged is an error naming the first damaged line', () => {
  const text = HEADER + '\n["clock",0]\nxx\nyy\n["clock",1]\nzz\n';
  assert.throws(() => parseTrace(text), (err: unknown) => {
    assert.ok(err instanceof TraceFormatError);
    assert.equal(err.line, 3);
    assert.match(err.message, /^line 3: not a readable Async Lanes trace \(3 of 5 records damaged/);
    return true;
  });
});

test('pathological input: huge lines, deep nesting, NUL bytes, replacement characters — linear and bounded', () => {
  const huge = 'x'.repeat(50_000_000);
  let t0 = Date.now();
  const p = new TraceParser();
  assert.throws(() => {
    for (let i = 0; i < huge.length; i += 1 << 16) p.push(huge.slice(i, i + (1 << 16)));
  }, TraceFormatError);
  assert.ok(Date.now() - t0 < 2000, 'a 50 MB first line is refused quickly');

  t0 = Date.now();
  const q = new TraceParser();
  q.push(HEADER + '\n["clock",5]\n');
  for (let i = 0; i < huge.length; i += 1 << 16) q.push(huge.slice(i, i + (1 << 16)));
  q.push('\n["clock",6]\n["clock",7]\n');
  const data = q.end();
  assert.equal(data.skipped, 1);
  assert.equal(data.firstSkippedLine, 3);
  assert.ok(Date.now() - t0 < 3000, 'a 50 MB middle line is skipped in linear time');

  const cut = new TraceParser();
  cut.push(HEADER + '\n["clock",5]\n["clock",6]\n' + '['.repeat(3_000_000));
  assert.equal(cut.end().truncated, true, 'an endless last line is a truncated record');

  const deep = parseTrace(HEADER + '\n["clock",1]\n["clock",2]\n' + '['.repeat(100_000) + ']'.repeat(100_000) + '\n');
  assert.equal(deep.skipped, 1);
  const odd = parseTrace(HEADER + '\n["name",0,1,"a\\u0000b\uFFFD"]\n\u0000\u0000\n["name",0,1,"raw\u0000"]\n["clock",1]\n["clock",2]\n');
  assert.equal(odd.names[0].name, 'a\u0000b\uFFFD');
  assert.equal(odd.skipped, 2, 'a NUL line and a raw NUL inside a JSON string are damage');
});

test('seeded fuzz: every input gives a result or a TraceFormatError naming a line, in bounded time', () => {
  const base = fixtureText('future-by-task.lanes');
  const next = rng(20261121);
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
  const randomText = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(next() < 0.8 ? Math.floor(next() * 128) : Math.floor(next() * 0xffff));
    return s;
  };
  const mutate = (s: string) => {
    const chars = [...s];
    const edits = 1 + Math.floor(next() * 20);
    for (let i = 0; i < edits; i++) {
      const at = Math.floor(next() * chars.length);
      const op = next();
      if (op < 0.3) chars.splice(at, 1);
      else if (op < 0.6) chars[at] = pick(['"', '[', ']', ',', '\n', '-', '9', 'n', '\u0000', '\uFFFD', '{']);
      else if (op < 0.8) chars.splice(at, 0, ...randomText(5));
      else chars.splice(at, Math.floor(next() * 200));
    }
    return chars.join('');
  };
  const started = Date.now();
  let results = 0;
  let refusals = 0;
  for (let i = 0; i < 3000; i++) {
    const kind = i % 4;
    const input = kind === 0 ? randomText(Math.floor(next() * 400)) : kind === 1 ? HEADER + '\n' + randomText(Math.floor(next() * 400)) : mutate(base);
    const t0 = Date.now();
    try {
      const p = new TraceParser();
      for (let at = 0; at < input.length; ) {
        const n = 1 + Math.floor(next() * 64);
        p.push(input.slice(at, at + n));
        at += n;
      }
      const data = p.end();
      new TraceIndex(data);
      results++;
    } catch (err) {
      assert.ok(err instanceof TraceFormatError, `input ${i}: ${String(err)}`);
      assert.match(err.message, /^line \d+: /);
      refusals++;
    }
    assert.ok(Date.now() - t0 < 200, `input ${i} took too long`);
  }
  assert.ok(results > 500 && refusals > 500, `both outcomes exercised (${results} results, ${refusals} refusals)`);
  assert.ok(Date.now() - started < 20000);
});

test('incremental: the index rebuilt after more chunks equals the index of the whole file', () => {
  const text = fixtureText('gather.lanes');
  const p = new TraceParser();
  const half = text.indexOf('["clock"');
  p.push(text.slice(0, half + 3));
  const early = new TraceIndex(p.data!);
  assert.equal(early.task(1)?.state, 'pending');
  p.push(text.slice(half + 3));
  const live = new TraceIndex(p.data!);
  const full = new TraceIndex(parseTrace(text));
  assert.deepEqual(live.tasks, full.tasks);
  assert.deepEqual(p.end(), parseTrace(text));
});
