// A corpus of damaged and foreign inputs (over 300, special files included) through every reader command — report,
// report --json, export, view --html — as the CLI runs them (its main(), in this process): each either succeeds or
// fails with one expected message (exit 2), never an internal error, and each finishes in bounded time.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { main } from '../../src/cli/main.js';
import { CliError } from '../../src/cli/errors.js';
import { TraceFileError } from '../../src/files/trace-file.js';
import { FIXTURES, fixtureText, rng } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lanes-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = '{"format":"async-lanes","version":1,"runtime":"python","argv":["f.py"],"start":"2026-12-01T00:00:00Z"}';

/** name -> contents (a string or bytes) of the corpus' regular files. */
function corpus(): Map<string, string | Buffer> {
  const out = new Map<string, string | Buffer>();
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.lanes'));
  const random = rng(20261202);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  for (const f of fixtures) {
    const text = fixtureText(f);
    const bytes = Buffer.from(text);
    // cut at random byte offsets (a UTF-8 sequence or a record split anywhere)
    for (let i = 0; i < 10; i++) out.set(`${f}-cut${i}`, bytes.subarray(0, Math.floor(random() * bytes.length)));
    // random bytes overwritten
    for (let i = 0; i < 10; i++) {
      const b = Buffer.from(bytes);
      for (let k = 0; k < 1 + Math.floor(random() * 20); k++) b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
      out.set(`${f}-flip${i}`, b);
    }
    // lines dropped, repeated, swapped; records with their elements replaced by other types
    const lines = text.split('\n');
    for (let i = 0; i < 6; i++) {
      const l = [...lines];
      const a = 1 + Math.floor(random() * (l.length - 1));
      const b = 1 + Math.floor(random() * (l.length - 1));
      if (i % 3 === 0) l.splice(a, 1);
      else if (i % 3 === 1) l.splice(a, 0, l[b], l[b]);
      else [l[a], l[b]] = [l[b], l[a]];
      out.set(`${f}-lines${i}`, l.join('\n'));
    }
    const weird = [null, -1, 1.5, 2 ** 53, -(2 ** 60), '', 'x'.repeat(5000), [], {}, true, [[[]]], '\u0000', '\ud800'];
    for (let i = 0; i < 6; i++) {
      const l = [...lines];
      const k = 1 + Math.floor(random() * (l.length - 2));
      try {
        const rec = JSON.parse(l[k]) as unknown[];
        rec[Math.floor(random() * rec.length)] = pick(weird);
        l[k] = JSON.stringify(rec);
      } catch {
        l[k] = '[';
      }
      out.set(`${f}-types${i}`, l.join('\n'));
    }
  }
  // foreign inputs
  const chrome = JSON.stringify({ traceEvents: [{ ph: 'X', ts: 1, dur: 2, name: 'x', pid: 1, tid: 1 }] });
  const foreign: [string, string | Buffer][] = [
    ['empty', ''],
    ['bom-only', '\ufeff'],
    ['newlines', '\n\n\n'],
    ['nul-bytes', Buffer.alloc(4096)],
    ['random-bytes', Buffer.from(Array.from({ length: 65536 }, () => Math.floor(random() * 256)))],
    ['gzip-of-trace', gzipSync(fixtureText('gather.lanes'))],
    ['utf16-trace', Buffer.from('\ufeff' + fixtureText('gather.lanes'), 'utf16le')],
    ['chrome-json', chrome],
    ['json-array', '[1,2,3]\n'],
    ['json-string', '"async-lanes"\n'],
    ['other-format', '{"format":"something-else","version":1}\n["task",0,1]\n'],
    ['html', '<!DOCTYPE html><html><script>alert(1)</script></html>'],
    ['csv', 'a,b,c\n1,2,3\n'],
    ['header-only', HEADER],
    ['header-newline', HEADER + '\n'],
    ['future-version', HEADER.replace('"version":1', '"version":99') + '\n["newkind",5,{"x":1}]\n["exit",1,"exit",0]\n'],
    ['deep-nesting', HEADER + '\n' + '['.repeat(200_000) + ']'.repeat(200_000) + '\n'],
    ['deep-nesting-open', HEADER + '\n' + '['.repeat(500_000)],
    ['long-line', HEADER + '\n' + '["task",0,1,null,"' + 'x'.repeat(3 << 20) + '","c",null]\n'],
    ['no-newline-megabytes', 'x'.repeat(4 << 20)],
    ['brace-megabytes', '{' + ' '.repeat(4 << 20)],
    ['many-sites', HEADER + '\n' + Array.from({ length: 50_000 }, (_, i) => `["site",${i},"f.py",${i},"g"]`).join('\n') + '\n'],
    ['huge-times', HEADER + '\n["task",9007199254740991,1,null,"T","c",null]\n["step",9007199254740991,1,9007199254740991,null,null]\n'],
    ['negative-times', HEADER + '\n["task",-100,1,null,"T","c",null]\n["step",-5,1,10,null,null]\n["end",-1,1,"ok","x"]\n'],
    ['self-parent', HEADER + '\n["task",0,1,1,"T","c",null]\n["task",0,2,3,"U","c",null]\n["task",0,3,2,"V","c",null]\n'],
    ['future-cycle', HEADER + '\n["fut",0,1,"gather",null,null,[2]]\n["fut",0,2,"gather",null,null,[1]]\n["task",0,3,null,"T","c",null]\n["step",0,3,5,1,null]\n'],
    ['dangling-ids', HEADER + '\n["step",0,77,5,88,99]\n["end",1,77,"ok","x",55]\n["set",1,66,"task",44]\n["block",1,200000000,12,[1,2,3],5,2]\n'],
    ['crlf', fixtureText('gather.lanes').replace(/\n/g, '\r\n')],
    ['hostile-strings', HEADER + '\n["site",1,"</script><img src=x onerror=alert(1)>",1,"\u202e\u0000"]\n["task",0,1,null,"\u001b[31mred","<b>",1]\n["end",1,1,"error","\u2028\u2029"]\n'],
  ];
  for (const [name, body] of foreign) out.set(name, body);
  return out;
}

/** Runs one CLI command in this process; returns 'ok', 'expected' (one message, exit 2) or throws what was not. */
async function runCli(args: string[]): Promise<{ outcome: 'ok' | 'expected'; ms: number }> {
  const t0 = Date.now();
  const io = { out: () => undefined, err: () => undefined };
  try {
    const code = await main(args, io);
    assert.ok(code === 0 || code === 1, `exit ${code}`);
    return { outcome: 'ok', ms: Date.now() - t0 };
  } catch (err) {
    if (err instanceof CliError || err instanceof TraceFileError) {
      assert.doesNotMatch(err.message, /\n/, 'one line');
      return { outcome: 'expected', ms: Date.now() - t0 };
    }
    throw new Error(`internal error on ${args.join(' ')}: ${(err as Error).stack}`);
  }
}

test('over 300 damaged and foreign inputs through report, report --json, export and view --html: no internal error, no hang', async () => {
  const files: string[] = [];
  for (const [name, body] of corpus()) {
    const f = join(dir, `${name}.lanes`);
    writeFileSync(f, body);
    files.push(f);
  }
  // special files
  const fifo = join(dir, 'a.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  mkdirSync(join(dir, 'a-directory.lanes'));
  symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
  symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling.lanes'));
  files.push(fifo, join(dir, 'a-directory.lanes'), join(dir, 'loop-a'), join(dir, 'dangling.lanes'), '/dev/null', '/dev/zero', '/dev/stdin', join(dir, 'missing.lanes'));
  assert.ok(files.length >= 300, `${files.length} inputs`);

  const counts = { ok: 0, expected: 0 };
  let slowest = { ms: 0, what: '' };
  for (const f of files) {
    for (const args of [['report', f], ['report', f, '--json'], ['export', f, '-o', join(dir, 'out.json')], ['view', f, '--html', join(dir, 'out.html')]]) {
      const r = await runCli(args);
      counts[r.outcome]++;
      if (r.ms > slowest.ms) slowest = { ms: r.ms, what: args.join(' ') };
    }
  }
  // Every input was decided quickly (the slowest is a multi-megabyte one); the special files were refused, not read.
  assert.ok(slowest.ms < 20_000, `slowest: ${slowest.what} took ${slowest.ms} ms`);
  assert.ok(counts.ok > 0 && counts.expected > 0, JSON.stringify(counts));
});
