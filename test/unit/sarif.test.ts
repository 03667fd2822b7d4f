// `report --format sarif`: the SARIF of recorded traces is valid against the OASIS SARIF 2.1.0 schema (vendored in
// test/fixtures/sarif, see its README), has one result per finding at the finding's file and line, and the CLI
// writes the same log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { sarifLog, SARIF_SCHEMA, SRCROOT, type SarifLog, type SarifPhysicalLocation } from '../../src/exporters/sarif.js';
import { streamTraceFile } from '../../src/files/trace-file.js';
import { findingKind, FINDING_KINDS } from '../../src/model/finding-kinds.js';
import { findFindings, type Finding } from '../../src/model/findings.js';
import type { TaskInfo, TraceMeta } from '../../src/model/index.js';
import { FIXTURES, ROOT, fixtureFindings } from './helpers.js';

const BIN = join(ROOT, 'bin', 'async-lanes.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const tmp = mkdtempSync(join(tmpdir(), 'async-lanes-sarif-'));

const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(join(FIXTURES, 'sarif', 'sarif-schema-2.1.0.json'), 'utf8')));

function assertValid(log: unknown, what: string): void {
  assert.ok(validate(log), `${what}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
}

async function fixtureSarif(name: string): Promise<{ log: SarifLog; findings: Finding[] }> {
  const view = await streamTraceFile(join(FIXTURES, name));
  const findings = findFindings(view);
  return { log: sarifLog(view, findings, { version: VERSION }), findings };
}

/** The absolute path a location names, through the run's SRCROOT when it is relative. */
function pathOf(log: SarifLog, loc: SarifPhysicalLocation): string {
  const { uri, uriBaseId } = loc.artifactLocation;
  return fileURLToPath(uriBaseId === undefined ? uri : new URL(uri, log.runs[0].originalUriBaseIds![uriBaseId].uri));
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: 'utf8', env: { ...process.env, ASYNC_LANES_DEBUG: '' }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const lanesFixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.lanes'));

test('the schema check can fail: logs that break SARIF 2.1.0 are rejected', async () => {
  const { log } = await fixtureSarif('block.lanes');
  const broken = (edit: (l: any) => void) => {
    const copy = structuredClone(log) as any;
    edit(copy);
    return validate(copy);
  };
  assert.equal(broken(() => {}), true);
  assert.equal(broken((l) => delete l.runs[0].results[0].message), false, 'a result needs a message');
  assert.equal(broken((l) => (l.runs[0].results[0].level = 'fatal')), false, 'levels are none, note, warning, error');
  assert.equal(broken((l) => (l.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0)), false, 'lines start at 1');
  assert.equal(broken((l) => (l.version = '2.0.0')), false);
  assert.equal(broken((l) => delete l.runs[0].tool.driver.name), false);
});

test('every recorded fixture: valid SARIF, one result per finding, at its file and line, in the findings\' order', async () => {
  assert.ok(lanesFixtures.length >= 9);
  for (const name of lanesFixtures) {
    const { log, findings } = await fixtureSarif(name);
    assertValid(log, name);
    assert.equal(log.$schema, SARIF_SCHEMA);
    assert.equal(log.runs.length, 1);
    const run = log.runs[0];
    assert.deepEqual(run.tool.driver.name, 'Async Lanes');
    assert.equal(run.tool.driver.version, VERSION);
    // the streaming read finds what the whole-trace index finds
    assert.deepEqual(findings.map((f) => [f.kind, f.file, f.line]), fixtureFindings(name).map((f) => [f.kind, f.file, f.line]), name);
    assert.equal(run.results.length, findings.length, name);
    run.results.forEach((r, i) => {
      const f = findings[i];
      assert.equal(r.ruleId, f.kind);
      assert.equal(run.tool.driver.rules[r.ruleIndex].id, f.kind);
      assert.equal(r.level, findingKind(f.kind).severity);
      assert.equal(r.message.text, f.message);
      assert.equal(pathOf(log, r.locations![0].physicalLocation), f.file, `${name} #${i}`);
      assert.equal(r.locations![0].physicalLocation.region?.startLine, f.line);
      assert.equal(r.properties.taskId, f.taskId);
      assert.equal(r.properties.durationNs, f.durationNs);
    });
  }
});

test('block, warnings, pending-exit: files relative to the trace\'s cwd, creation sites, task labels', async () => {
  const block = (await fixtureSarif('block.lanes')).log.runs[0];
  assert.deepEqual(block.originalUriBaseIds, { [SRCROOT]: { uri: 'file:///proj/' } });
  assert.deepEqual(block.results.map((r) => [r.ruleId, r.level, r.locations![0].physicalLocation]), [
    ['blocked-loop', 'error', { artifactLocation: { uri: 'block.py', uriBaseId: SRCROOT }, region: { startLine: 7 } }],
    ['blocked-loop', 'error', { artifactLocation: { uri: 'block.py', uriBaseId: SRCROOT }, region: { startLine: 12 } }],
  ]);
  assert.deepEqual(block.results[0].properties, { taskId: 1, task: 'main (Task-1)', durationNs: 149_000_000 });
  // the block in a callback has no task
  assert.deepEqual(block.results[1].properties, { taskId: null, task: null, durationNs: 119_900_000 });
  assert.equal(block.results[1].relatedLocations, undefined);

  const warnings = (await fixtureSarif('warnings.lanes')).log.runs[0];
  assert.deepEqual(warnings.results.map((r) => [r.ruleId, r.level, r.locations![0].physicalLocation.region!.startLine]), [
    ['never-awaited', 'warning', 30],
    ['unretrieved-exception', 'error', 40],
  ]);
  assert.deepEqual(warnings.results[0].relatedLocations, [
    { id: 1, physicalLocation: { artifactLocation: { uri: 'warn.py', uriBaseId: SRCROOT }, region: { startLine: 50 } }, message: { text: 'main (Task-1) was created here' } },
  ]);

  const pending = (await fixtureSarif('pending-exit.lanes')).log.runs[0];
  assert.deepEqual(pending.results.map((r) => [r.properties.task, r.locations![0].physicalLocation.region!.startLine]), [
    ['idle (Task-4)', 10],
    ['worker (Task-2)', 4],
    ['sleeper (Task-3)', 7],
  ]);
  // a task that never ran is found at its creation site: no related location repeats it
  assert.equal(pending.results[0].relatedLocations, undefined);
  assert.equal(pending.results[0].properties.durationNs, 988);
  assert.ok(pending.results[1].relatedLocations!.length === 1);
});

test('rules: one per finding kind, from the finding-kinds table, in its order', async () => {
  const { log } = await fixtureSarif('gather.lanes');
  assert.deepEqual(log.runs[0].tool.driver.rules, FINDING_KINDS.map((k) => ({
    id: k.kind,
    name: k.kind.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join(''),
    shortDescription: { text: k.label },
    defaultConfiguration: { level: k.severity },
  })));
  assert.deepEqual(log.runs[0].tool.driver.rules.map((r) => r.name), ['BlockedLoop', 'UnretrievedException', 'NeverAwaited', 'PendingAtExit']);
});

test('a trace without findings: a valid log with zero results', async () => {
  const { log, findings } = await fixtureSarif('gather.lanes');
  assert.equal(findings.length, 0);
  assertValid(log, 'gather.lanes');
  assert.deepEqual(log.runs[0].results, []);
  const empty = join(tmp, 'empty-run.lanes');
  writeFileSync(empty, '{"format":"async-lanes","version":1,"runtime":"python","argv":["e.py"],"cwd":"/e","start":"2026-12-01T00:00:00Z"}\n["exit",1,"exit",0]\n');
  const out = join(tmp, 'empty.sarif');
  const r = cli(['report', empty, '--format', 'sarif', '-o', out]);
  assert.equal(r.code, 0, r.err);
  const written = JSON.parse(readFileSync(out, 'utf8'));
  assertValid(written, 'empty run');
  assert.deepEqual(written.runs[0].results, []);
});

test('paths: spaces, files outside the working directory, Windows paths, no cwd, pseudo-files', () => {
  const task = { id: 1, name: 'Task-1', coro: 'main', site: null } as unknown as TaskInfo;
  const finding = (file: string | null, line: number | null): Finding => ({ kind: 'blocked-loop', file, line, message: 'm', durationNs: 1, taskId: 1, time: 0 });
  const at = (cwd: string | null, file: string | null, line: number | null = 3) => {
    const log = sarifLog({ meta: { header: { cwd } } as TraceMeta, task: () => task }, [finding(file, line)], { version: VERSION });
    assertValid(log, `${cwd} ${file}`);
    return { run: log.runs[0], loc: log.runs[0].results[0].locations?.[0].physicalLocation, log };
  };
  const spaced = at('/home/me/my proj', '/home/me/my proj/src/a b#1.py');
  assert.deepEqual(spaced.loc, { artifactLocation: { uri: 'src/a%20b%231.py', uriBaseId: SRCROOT }, region: { startLine: 3 } });
  assert.deepEqual(spaced.run.originalUriBaseIds, { [SRCROOT]: { uri: 'file:///home/me/my%20proj/' } });
  assert.equal(pathOf(spaced.log, spaced.loc!), '/home/me/my proj/src/a b#1.py');
  assert.deepEqual(at('/home/me/app/', '/usr/lib/python3.12/asyncio/tasks.py').loc!.artifactLocation, { uri: 'file:///usr/lib/python3.12/asyncio/tasks.py' });
  assert.deepEqual(at('/home/me/app', '/home/me/application.py').loc!.artifactLocation, { uri: 'file:///home/me/application.py' }, 'a sibling with the same prefix is outside');
  const none = at(null, '/srv/a.py');
  assert.deepEqual(none.loc!.artifactLocation, { uri: 'file:///srv/a.py' });
  assert.equal(none.run.originalUriBaseIds, undefined);
  const win = at('C:\\work\\app', 'C:\\work\\app\\pkg\\m.py');
  assert.deepEqual(win.loc!.artifactLocation, { uri: 'pkg/m.py', uriBaseId: SRCROOT });
  assert.deepEqual(win.run.originalUriBaseIds, { [SRCROOT]: { uri: 'file:///C:/work/app/' } });
  assert.deepEqual(at('C:\\work\\app', 'D:\\lib\\x.py').loc!.artifactLocation, { uri: 'file:///D:/lib/x.py' });
  assert.deepEqual(at('/app', 'file:///app/esm.mjs').loc!.artifactLocation, { uri: 'file:///app/esm.mjs' });
  assert.equal(at('/app', '<string>').loc, undefined, 'not a file: no location');
  assert.equal(at('/app', null).loc, undefined);
  assert.deepEqual(at('/app', '/app/a.py', null).loc, { artifactLocation: { uri: 'a.py', uriBaseId: SRCROOT } });
});

test('CLI: --format sarif -o writes the same log, stdout without -o; --json is --format json', async () => {
  for (const name of ['block.lanes', 'warnings.lanes', 'pending-exit.lanes']) {
    const out = join(tmp, name.replace('.lanes', '.sarif'));
    const r = cli(['report', join(FIXTURES, name), '--format', 'sarif', '-o', out]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '');
    assert.equal(r.err, `async-lanes: wrote ${out}\n`);
    const { log } = await fixtureSarif(name);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), log, name);
    const stdout = cli(['report', join(FIXTURES, name), '--format=sarif']);
    assert.equal(stdout.code, 0);
    assert.equal(stdout.out, readFileSync(out, 'utf8'));
  }
  const json = cli(['report', join(FIXTURES, 'block.lanes'), '--json']);
  assert.equal(json.code, 0);
  assert.equal(JSON.parse(json.out).findings.length, 2);
  assert.equal(cli(['report', join(FIXTURES, 'block.lanes'), '--format', 'json']).out, json.out);
  const jsonFile = join(tmp, 'block.json');
  assert.equal(cli(['report', join(FIXTURES, 'block.lanes'), '--json', '-o', jsonFile]).code, 0);
  assert.equal(readFileSync(jsonFile, 'utf8'), json.out);
  // --fail-on still decides the exit code, after the file is written
  const failing = join(tmp, 'failing.sarif');
  const fail = cli(['report', join(FIXTURES, 'block.lanes'), '--format', 'sarif', '-o', failing, '--fail-on', 'blocked-loop']);
  assert.equal(fail.code, 1);
  assert.equal(JSON.parse(readFileSync(failing, 'utf8')).runs[0].results.length, 2);
});

test('bad formats and damaged traces: the same one-line error and exit code as the text report, no file written', () => {
  const bad = (args: string[], pattern: RegExp) => {
    const r = cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /^async-lanes: [^\n]+\n$/);
    assert.match(r.err, pattern);
  };
  bad(['report', join(FIXTURES, 'block.lanes'), '--format', 'xml'], /unknown report format "xml" \(formats: text, json, sarif\)/);
  bad(['report', join(FIXTURES, 'block.lanes'), '--json', '--format', 'sarif'], /--json and --format sarif disagree/);

  const png = join(tmp, 'x.png');
  writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
  const foreign = join(tmp, 'foreign.lanes');
  writeFileSync(foreign, '{"format":"something-else","version":1}\n["exit",1,"exit",0]\n');
  const empty = join(tmp, 'nothing.lanes');
  writeFileSync(empty, '');
  for (const file of [png, foreign, empty, join(tmp, 'missing.lanes'), tmp]) {
    const text = cli(['report', file]);
    assert.equal(text.code, 2, file);
    const out = join(tmp, 'damaged.sarif');
    const sarif = cli(['report', file, '--format', 'sarif', '-o', out]);
    assert.equal(sarif.code, text.code, file);
    assert.equal(sarif.err, text.err, file);
    assert.match(sarif.err, /^async-lanes: [^\n]+\n$/);
    assert.equal(existsSync(out), false, `${file}: no SARIF file for a trace that cannot be read`);
  }
  assert.match(cli(['report', png, '--format', 'sarif']).err, /not an Async Lanes trace/);

  // damage inside a trace: the same notices as the text report, and a valid log of what could be read
  const cut = readFileSync(join(FIXTURES, 'pending-exit.lanes'), 'utf8');
  const damaged = join(tmp, 'damaged.lanes');
  writeFileSync(damaged, cut.slice(0, cut.length - 7));
  const text = cli(['report', damaged]);
  const sarif = cli(['report', damaged, '--format', 'sarif']);
  assert.equal(sarif.code, text.code);
  assert.equal(sarif.err, text.err);
  assert.match(sarif.err, /notice: Truncated trace/);
  assertValid(JSON.parse(sarif.out), 'truncated trace');
});
