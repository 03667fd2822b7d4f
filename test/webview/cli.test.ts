// `async-lanes view`: serves on 127.0.0.1 with a strict CSP and a nonce, refuses other host names, stops on
// Ctrl-C; `--html` writes one self-contained page with the trace inlined safely.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ROOT, tempDir } from './browser.js';

const CLI = join(ROOT, 'bin', 'async-lanes.js');
const dir = tempDir();
const TRACE = [
  '{"format":"async-lanes","version":1,"runtime":"python","cwd":"/p","start":"2026-11-21T19:00:00Z"}',
  '["task",0,1,null,"</script><script>alert(1)</script>","main",null,0]',
  '["step",5,1,10,null,null]',
  '["end",10,1,"ok","<!-- x",null]',
  '["exit",1,"exit",0]',
  '',
].join('\n');

/** The trace text of a --html page (gzip in base64, nothing but base64 in its element). */
function inlinedTrace(html: string): string {
  const data = /<script type="application\/gzip\+base64" id="lanes-trace">([A-Za-z0-9+/=]*)<\/script>/.exec(html);
  assert.ok(data, 'the trace element holds base64 only');
  return gunzipSync(Buffer.from(data[1], 'base64')).toString('utf8');
}

function get(url: string, host?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers: host ? { Host: host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `async-lanes view FILE --no-open`, and the URL it prints once it serves. */
async function startView(file: string, ...args: string[]): Promise<{ child: ChildProcess; url: string; out: () => string }> {
  const child = spawn(process.execPath, [CLI, 'view', file, '--no-open', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  return { child, url, out: () => out };
}

describe('async-lanes view', () => {
  it('serves the page and the trace on 127.0.0.1 and stops on SIGINT', async () => {
    const file = join(dir, 'a.lanes');
    writeFileSync(file, TRACE);
    const { child, url } = await startView(file);
    const page = await get(url);
    assert.equal(page.status, 200);
    const csp = String(page.headers['content-security-policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    assert.match(csp, /default-src 'none'/);
    assert.ok(page.body.includes(`<script nonce="${nonce}">`));
    assert.ok(page.body.includes(`<style nonce="${nonce}">`));
    assert.equal((await get(url)).body.includes(nonce), false, 'a fresh nonce per page');
    assert.match(csp, /frame-ancestors 'none'/, 'no other page may frame it');
    assert.equal(page.headers['x-frame-options'], 'DENY');
    // The trace goes to the server's own page only: its URL carries a per-run token.
    const trace = `${url}${/"url":"\/(trace\/[\w-]+)"/.exec(page.body)![1]}`;
    const all = await get(`${trace}?from=0`);
    assert.equal(all.body, TRACE);
    assert.equal(all.headers['x-lanes-more'], '0');
    assert.equal((await get(`${trace}?from=${Buffer.byteLength(TRACE) - 5}`)).body, TRACE.slice(-5));
    assert.equal((await get(`${trace}?from=999999`)).status, 409);
    assert.equal((await get(`${url}trace?from=0`)).status, 404, 'no token: no trace');
    assert.equal((await get(`${url}trace/${'A'.repeat(32)}?from=0`)).status, 403, 'a wrong token: no trace');
    assert.equal((await get(url, 'evil.example:80')).status, 403, 'DNS-rebinding guard');
    assert.equal((await get(`${url}../etc/passwd`)).status, 404);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  });

  it('keeps its memory bounded when 200 clients ask for a big trace and never read the answer', async () => {
    const file = join(dir, 'big.lanes');
    const line = '["step",5,1,10,null,null]\n';
    writeFileSync(file, TRACE + line.repeat(Math.ceil((48 << 20) / line.length)));
    const { child, url } = await startView(file);
    try {
      const page = await get(url);
      const path = `/${/"url":"\/(trace\/[\w-]+)"/.exec(page.body)![1]}?from=0`;
      const { port } = new URL(url);
      const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024;
      const before = rss();
      // Each asks for an 8 MiB answer and reads nothing of it.
      const sockets: Socket[] = [];
      for (let i = 0; i < 200; i++) {
        const s = connect(Number(port), '127.0.0.1');
        s.on('error', () => undefined);
        s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
        s.pause();
        sockets.push(s);
      }
      await new Promise((r) => setTimeout(r, 3000));
      const during = rss();
      assert.ok(during - before < 150 << 20, `RSS grew by ${((during - before) / 2 ** 20).toFixed(0)} MiB (before ${(before / 2 ** 20).toFixed(0)} MiB)`);
      for (const s of sockets) s.destroy();
      await new Promise((r) => setTimeout(r, 500));
      // The stuck clients gone, the page's own requests are answered again.
      const again = await get(`${url}${path.slice(1).replace('from=0', `from=${(48 << 20) - 10}`)}`);
      assert.equal(again.status, 200);
      assert.ok(again.body.length > 0);
    } finally {
      child.kill('SIGINT');
    }
  });

  it('--html writes one self-contained page with the trace inlined safely', () => {
    const file = join(dir, 'b.lanes');
    const out = join(dir, 'b.html');
    writeFileSync(file, TRACE);
    const r = spawnSync(process.execPath, [CLI, 'view', file, '--html', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const html = readFileSync(out, 'utf8');
    const nonce = /'nonce-([^']+)'/.exec(html)![1];
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-/);
    assert.match(html, /connect-src 'none'/);
    // The only script elements are the page's own: the data blocks and the nonce'd bundle.
    const tags = html.match(/<script[^>]*>/g)!;
    assert.deepEqual(tags, ['<script type="application/json" id="lanes-config">', '<script type="application/gzip+base64" id="lanes-trace">', `<script nonce="${nonce}">`]);
    assert.ok(!html.includes('</script><script>alert'), 'the trace cannot close its element');
    assert.equal(inlinedTrace(html), TRACE);
  });

  it('reports a missing file and a bad port as one-line errors', () => {
    const missing = spawnSync(process.execPath, [CLI, 'view', join(dir, 'nope.lanes'), '--no-open'], { encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^async-lanes: cannot read ".*nope\.lanes": no such file\n$/);
    const file = join(dir, 'c.lanes');
    writeFileSync(file, TRACE);
    const port = spawnSync(process.execPath, [CLI, 'view', file, '--port', 'x'], { encoding: 'utf8' });
    assert.equal(port.status, 2);
    assert.match(port.stderr, /--port needs a port number/);
  });

  it('--from/--to serve a time window of the trace, timed from its start', async () => {
    const file = join(dir, 'w.lanes');
    writeFileSync(file, TRACE);
    const { child, url, out } = await startView(file, '--from', '7ns', '--to=0.000000012s');
    assert.match(out(), /viewing .*w\.lanes \[7 ns – 12 ns\] at http/);
    const page = await get(url);
    const config = JSON.parse(/<script type="application\/json" id="lanes-config">(.*?)<\/script>/s.exec(page.body)![1]);
    assert.equal(config.source.name, 'w.lanes [7 ns – 12 ns]');
    assert.equal(config.source.live, false);
    const trace = await get(new URL(`${config.source.url}?from=0`, url).href);
    assert.equal(trace.headers['x-lanes-size'], String(Buffer.byteLength(trace.body)));
    const lines = trace.body.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines[0].window, { from: 7, to: 12 });
    // The task, alive at 7 ns, from the window's start; its step (5..15 ns) clipped to it; its end and the exit after it left out.
    assert.deepEqual(lines.slice(1).map((r) => r[0]), ['task', 'step']);
    assert.deepEqual(lines[2], ['step', 0, 1, 5, null, null]);
    child.kill('SIGINT');
  });

  it('--from/--to: a time it cannot read, an empty or inverted window, and one past the end are usage errors', () => {
    const file = join(dir, 'e.lanes');
    writeFileSync(file, TRACE);
    const view = (...args: string[]) => spawnSync(process.execPath, [CLI, 'view', file, '--no-open', ...args], { encoding: 'utf8' });
    const cases: [string[], RegExp][] = [
      [['--from', 'soon'], /^async-lanes: --from needs a time after the trace's start, like 12\.5s, 250ms or 2min, not "soon"\n$/],
      [['--to', '-3s'], /^async-lanes: --to needs a time after the trace's start, like 12\.5s, 250ms or 2min, not "-3s"\n$/],
      [['--from', '2s', '--to', '1s'], /^async-lanes: --to \(1s\) must be later than --from \(2s\)\n$/],
      [['--from', '1s', '--to', '1s'], /must be later than --from/],
      [['--from'], /^async-lanes: option --from needs a value\n$/],
      [['--from', '1h'], /^async-lanes: .*e\.lanes: the trace ends at 16 ns: nothing lies after 3600 s\n$/],
    ];
    for (const [args, expected] of cases) {
      const r = view(...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, expected, args.join(' '));
      assert.equal(r.stdout, '');
    }
    const help = spawnSync(process.execPath, [CLI, 'view', '--help'], { encoding: 'utf8' });
    assert.match(help.stdout, /--from T +show only the time window from T/);
    assert.match(help.stdout, /The timeline holds traces up to 100 MB; open a larger one as a time window\./);
  });

  it('--html of a trace too big for the timeline says how to write a window of it; with --from/--to it writes the window', () => {
    const file = join(dir, 'h.lanes');
    const out = join(dir, 'h.html');
    // Past the budget without writing 100 MB: a sparse file whose header is readable.
    writeFileSync(file, TRACE);
    truncateSync(file, 101e6);
    const big = spawnSync(process.execPath, [CLI, 'view', file, '--html', out], { encoding: 'utf8' });
    assert.equal(big.status, 2);
    assert.match(big.stderr, /^async-lanes: .*h\.lanes: This trace is too big for the timeline: 101 MB, and the timeline holds up to 100 MB\. Open a time window of it .* For example: async-lanes view .*h\.lanes --from 0s --to 10s --html .*h\.html\n$/);
    writeFileSync(file, TRACE);
    const win = spawnSync(process.execPath, [CLI, 'view', file, '--from', '0', '--to', '10ns', '--html', out], { encoding: 'utf8' });
    assert.equal(win.status, 0, win.stderr);
    assert.match(inlinedTrace(readFileSync(out, 'utf8')), /"window":\{"from":0,"to":10\}/);
  });
});
