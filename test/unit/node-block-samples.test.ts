// The Node recorder's block records (format.ts): the stack named is the one whose innermost site most of the samples
// taken inside the block showed, with how many of how many; samples outside the block do not count; without any, the
// step's own site and no counts (docs/trace-format.md, `block`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Op, type Chunk } from '../../src/recorders/node/codes.js';
import { TraceFormatter } from '../../src/recorders/node/format.js';

const FILE = '/nonexistent/app.js';

/** One chunk with one step of task 7 from t0 to t1 (ms), at recorder site 0 (trace id 0). */
function stepChunk(t0: number, t1: number): Chunk {
  return { buf: new Float64Array([Op.Step, t0, t1, 7, -1, 0]), n: 6, seg: -1, strs: [], sites: [[0, FILE, 5, 0, 'main']], names: [], maps: [] };
}

function records(f: TraceFormatter, c: Chunk): unknown[][] {
  const [head, body] = f.format(c);
  return (head.toString('utf8') + body.toString('utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown[]);
}

function formatter(): TraceFormatter {
  const f = new TraceFormatter(0, 100);
  f.sites.set(1, [FILE, 10, 2, 'prepare']);
  f.sites.set(3, [FILE, 20, 2, 'busy']);
  f.sites.set(5, [FILE, 30, 2, 'cruncher']);
  return f;
}

test('a block names the stack whose innermost site most samples inside it saw, with the counts', () => {
  const f = formatter();
  // The first sample inside the block is in prepare(); most are in busy(); two fall outside the block.
  f.samples.push([900, [3, 5]], [1010, [1, 5]], [1100, [3, 5]], [1200, [3, 5]], [1300, [1, 5]], [1400, [3, 5]], [1600, [1, 5]]);
  const recs = records(f, stepChunk(1000, 1500));
  const block = recs.find((r) => r[0] === 'block');
  assert.ok(block, JSON.stringify(recs));
  assert.deepEqual(block.slice(2), [500e6, 7, [3, 5], 3, 5]);
  const sites = recs.filter((r) => r[0] === 'site').map((r) => [r[1], r[3], r[4]]);
  assert.deepEqual(sites.filter((s) => s[0] === 3 || s[0] === 5), [[3, 20, 'busy'], [5, 30, 'cruncher']], 'the named frames are defined');
});

test('a tie goes to the site that got there first', () => {
  const f = formatter();
  f.samples.push([1010, [1, 5]], [1100, [3, 5]], [1200, [3, 5]], [1300, [1, 5]]);
  const block = records(f, stepChunk(1000, 1500)).find((r) => r[0] === 'block')!;
  assert.deepEqual(block.slice(4), [[3, 5], 2, 4]);
});

test('without a sample inside it, a block names the step\'s own site and no counts', () => {
  const f = formatter();
  f.samples.push([900, [3, 5]], [1600, [3, 5]]);
  const block = records(f, stepChunk(1000, 1500)).find((r) => r[0] === 'block')!;
  assert.deepEqual(block.slice(2), [500e6, 7, [0]]);
});

test('a step shorter than the threshold is no block, whatever was sampled', () => {
  const f = formatter();
  f.samples.push([1010, [3, 5]]);
  assert.equal(records(f, stepChunk(1000, 1050)).filter((r) => r[0] === 'block').length, 0);
});
