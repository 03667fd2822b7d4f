// `npm run bench:lsp`: the language server on a large recording. Generates a trace of at least BENCH_RECORDS records
// (default 1,000,000; bench/gen-trace.mjs: a busy Python server), starts `async-lanes lsp --stdio` on an empty trace
// folder, writes the trace into it as a recording does (BENCH_MBPS MB/s, default 2, in 256 KB writes), and measures:
//   - the time from the recording's end (its last write) to the first diagnostics published (target: <= 2 s), and
//     the server's CPU time for the whole recording;
//   - hover latency on await lines of an open document (BENCH_HOVERS requests, one after the other; target: p95
//     <= 50 ms), and while a second recording, moved in whole, is read (the editor never waits), with that read's time;
//   - the server's peak RSS (VmHWM; target <= 200 MB).
// A benchmark, not a test: it prints the figures and exits 0 unless something breaks. Everything generated is deleted.

import { spawn } from 'node:child_process';
import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, utimesSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateTrace } from '../gen-trace.mjs';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const require = createRequire(import.meta.url);
const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-jsonrpc/node');

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const HOVERS = Number(process.env.BENCH_HOVERS ?? 300);
const MBPS = Number(process.env.BENCH_MBPS ?? 2);
const tmp = mkdtempSync(join(tmpdir(), 'async-lanes-bench-lsp-'));
const folder = join(tmp, 'traces');
mkdirSync(folder);

async function countLines(file) {
  let n = 0;
  for await (const chunk of createReadStream(file)) for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}

/** A trace of at least RECORDS records (the header and site lines not counted). */
async function makeTrace(name) {
  const file = join(tmp, name);
  let mb = RECORDS / 20_000;
  for (;;) {
    const r = generateTrace(file, mb * 1e6);
    const records = (await countLines(file)) - 1;
    if (records >= RECORDS) return { file, records, bytes: r.bytes };
    mb *= (RECORDS / records) * 1.05;
  }
}

function procStat(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, cpuS: (Number(stat[11]) + Number(stat[12])) / 100 };
}

const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))];

const t0 = Date.now();
const [a, b] = [await makeTrace('server-20261203-100000.lanes'), await makeTrace('server-20261203-100500.lanes')];
console.log(`bench:lsp: traces of ${a.records.toLocaleString('en')} records (${(a.bytes / 1e6).toFixed(0)} MB) generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const proc = spawn(process.execPath, [join(ROOT, 'bin', 'async-lanes.js'), 'lsp', '--stdio', '--trace-folder', folder], { stdio: ['pipe', 'pipe', 'inherit'] });
const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
let published = null;
const firstDiagnostics = new Promise((done) => {
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    if (p.diagnostics.length > 0 && published === null) {
      published = Date.now();
      done();
    }
  });
});
conn.onNotification('window/logMessage', () => undefined);
conn.listen();
// The generated trace's files are under /srv/app: that is the workspace.
const root = '/srv/app';
await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'app' }], capabilities: {} });
await conn.sendNotification('initialized', {});
await new Promise((r) => setTimeout(r, 500));
const idle = procStat(proc.pid);

// The recording: the trace written into the folder at MBPS, as the recorder appends it.
const out = openSync(join(folder, 'server-20261203-100000.lanes'), 'w');
const src = openSync(a.file, 'r');
const piece = Buffer.alloc(256 << 10);
const began = Date.now();
for (let written = 0; ; ) {
  const n = readSync(src, piece, 0, piece.length, written);
  if (n === 0) break;
  writeSync(out, piece, 0, n);
  written += n;
  const ahead = began + (written / (MBPS * 1e6)) * 1000 - Date.now();
  if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
}
closeSync(src);
closeSync(out);
const landed = Date.now();
const recordingS = (landed - began) / 1000;
await firstDiagnostics;
const loaded = procStat(proc.pid);
const diagMs = published - landed;

// An open document with the generated sites' lines (10..410 in each file).
const doc = pathToFileURL('/srv/app/handlers/views.py').href;
await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: doc, languageId: 'python', version: 1, text: Array.from({ length: 420 }, (_, i) => `    await step_${i}()`).join('\n') } });
const lines = [];
for (let l = 0; l < 420; l++) {
  const h = await conn.sendRequest('textDocument/hover', { textDocument: { uri: doc }, position: { line: l, character: 6 } });
  if (h) lines.push(l);
}
if (lines.length === 0) throw new Error('no hover on any line of /srv/app/handlers/views.py');
const times = [];
for (let i = 0; i < HOVERS; i++) {
  const s = process.hrtime.bigint();
  await conn.sendRequest('textDocument/hover', { textDocument: { uri: doc }, position: { line: lines[i % lines.length], character: 6 } });
  times.push(Number(process.hrtime.bigint() - s) / 1e6);
}

// Hovers while the next recording of the program is read: the reader yields between chunks.
const during = [];
let reading = true;
const next = new Promise((done) => conn.onNotification('window/logMessage', (m) => {
  if (m.message.includes('server-20261203-100500')) done();
}));
// Newer than the first (the newest recording of the program is the one read).
utimesSync(b.file, new Date(), new Date());
renameSync(b.file, join(folder, 'server-20261203-100500.lanes'));
void next.then(() => (reading = false));
const started = Date.now();
const before = procStat(proc.pid);
while (reading && Date.now() - started < 120_000) {
  const s = process.hrtime.bigint();
  await conn.sendRequest('textDocument/hover', { textDocument: { uri: doc }, position: { line: lines[0], character: 6 } });
  during.push(Number(process.hrtime.bigint() - s) / 1e6);
  await new Promise((r) => setTimeout(r, 20));
}
const wholeMs = Date.now() - started;
const end = procStat(proc.pid);

await conn.sendRequest('shutdown');
await conn.sendNotification('exit');
await new Promise((r) => proc.on('exit', r));
rmSync(tmp, { recursive: true, force: true });

const f = (x) => x.toFixed(1);
console.log(`recording written in ${f(recordingS)} s; diagnostics published ${diagMs} ms after its end (target <= 2000); server CPU over the recording ${f((loaded.cpuS - idle.cpuS) * 1000)} ms`);
console.log(`hover: ${HOVERS} requests on ${lines.length} await lines: p50 ${f(pct(times, 0.5))} ms, p95 ${f(pct(times, 0.95))} ms, max ${f(Math.max(...times))} ms (target p95 <= 50)`);
console.log(`a recording moved in whole: read in ${wholeMs} ms (server CPU ${f((end.cpuS - before.cpuS) * 1000)} ms); ${during.length} hovers meanwhile, p50 ${f(pct(during, 0.5))} ms, max ${f(Math.max(...during))} ms`);
console.log(`server memory: RSS idle ${f(idle.rssMb)} MB, peak ${f(end.hwmMb)} MB (target <= 200; ${f(loaded.hwmMb)} MB by the followed recording's end), after ${f(end.rssMb)} MB; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
