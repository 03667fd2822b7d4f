// Which trace files the language server takes as one program's recordings (src/launch's names: traceFileName, and
// `<name>.<pid>.lanes` for further Node processes), and which recording of a program is the newest.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { traceFileName } from '../../src/launch/launch.js';
import { recordingOf, recordingsByProgram } from '../../src/server/recording-files.js';

test('recordingOf reads the launcher\'s names: program, recording, further processes; anything else is its own program', () => {
  const name = traceFileName('shop-api', new Date(2026, 11, 3, 9, 30, 5));
  assert.deepEqual(recordingOf(name), { program: 'shop-api', recording: name.replace(/\.lanes$/, '') });
  const second = traceFileName('shop-api', new Date(2026, 11, 3, 9, 30, 5), (n) => n === name);
  assert.deepEqual(recordingOf(second), { program: 'shop-api', recording: second.replace(/\.lanes$/, '') });
  assert.deepEqual(recordingOf(name.replace(/\.lanes$/, '.4242.lanes')), recordingOf(name), 'a child process belongs to its recording');
  assert.deepEqual(recordingOf('fixture.lanes'), { program: 'fixture', recording: 'fixture' });
});

test('recordingsByProgram: per program, its recordings newest first, each with its main process first', () => {
  const f = (file: string, mtimeMs: number) => ({ file: `/t/${file}`, size: 1, mtimeMs });
  const programs = recordingsByProgram([
    f('app-20261203-090000.lanes', 100),
    f('app-20261203-100000.4242.lanes', 300),
    f('app-20261203-100000.lanes', 200),
    f('tool-20261203-080000.lanes', 50),
    f('fixture.lanes', 10),
  ]);
  const app = programs.find((p) => p[0][0].file.includes('/app-'))!;
  assert.deepEqual(app.map((r) => r.map((x) => x.file)), [
    ['/t/app-20261203-100000.lanes', '/t/app-20261203-100000.4242.lanes'],
    ['/t/app-20261203-090000.lanes'],
  ]);
  assert.equal(programs.length, 3);
});
