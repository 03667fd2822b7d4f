// The extension's API surface inside a real extension host: it activates, registers its commands, the .lanes
// custom editor and the timeline panel serializer, declares its settings and its workspace-trust limits, and
// Record Current File writes a trace of a Python file and of a JavaScript file (with asyncLanes.nodePath), with the
// interpreter the Python extension selected unless asyncLanes.pythonPath says otherwise (the Python extension is a
// stand-in, test/vscode-host/python-stub, told what to select through .python-stub.json). The workspace folder holds
// app.py, app.js and trace.lanes (made by the runner).

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { TraceIndex } from '../../../src/model/index.js';
import { parseTrace } from '../../../src/model/parser.js';

const ID = 'async-lanes.async-lanes';
const folder = () => {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the tests run with a workspace folder');
  return f.uri.fsPath;
};

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Records app.py into the default trace folder and returns the new trace once it has its exit record. */
async function recordApp(): Promise<TraceIndex> {
  const dir = join(folder(), '.async-lanes');
  const list = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.lanes')) : []);
  const before = new Set(list());
  await vscode.commands.executeCommand('asyncLanes.recordCurrentFile', vscode.Uri.file(join(folder(), 'app.py')));
  const trace = () => list().find((f) => !before.has(f));
  await until('the new trace with its exit record', () => trace() !== undefined && readFileSync(join(dir, trace()!), 'utf8').includes('["exit"'));
  return new TraceIndex(parseTrace(readFileSync(join(dir, trace()!), 'utf8')));
}

/** Runs `body` with the Python extension stand-in selecting what `selection` says, from fresh interpreter marks. */
async function withPythonSelection(selection: { active?: string; execCommand?: string[] }, body: () => Promise<void>): Promise<void> {
  const file = join(folder(), '.python-stub.json');
  for (const mark of ['.mypython-used', '.selectedpython-used']) rmSync(join(folder(), mark), { force: true });
  writeFileSync(file, JSON.stringify(selection));
  try {
    await body();
  } finally {
    rmSync(file, { force: true });
  }
}

describe('Async Lanes extension host API', () => {
  it('activates', async () => {
    const ext = vscode.extensions.getExtension(ID);
    assert.ok(ext, `${ID} is installed`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers its commands', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    for (const id of ['recordCurrentFile', 'recordCommand', 'openTrace', 'exportTrace', 'stopRecording']) assert.ok(all.has(`asyncLanes.${id}`), `asyncLanes.${id}`);
  });

  it('declares the custom editor, the panel activation, its settings and limited support in untrusted workspaces', () => {
    const pkg = vscode.extensions.getExtension(ID)!.packageJSON;
    assert.deepEqual(pkg.contributes.customEditors.map((e: { viewType: string }) => e.viewType), ['asyncLanes.trace']);
    assert.ok(pkg.activationEvents.includes('onWebviewPanel:asyncLanes.timeline'));
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    const c = vscode.workspace.getConfiguration('asyncLanes');
    assert.equal(c.get('blockThresholdMs'), 100);
    assert.equal(c.get('followLive'), true);
    assert.equal(c.get('pythonPath'), '');
    assert.equal(c.get('nodePath'), '');
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('asyncLanes.nodePath'));
    assert.equal(c.get('traceFolder'), '');
  });

  it('has the timeline panel serializer registered (a second one for the same view type is refused)', () => {
    assert.throws(() => vscode.window.registerWebviewPanelSerializer('asyncLanes.timeline', { deserializeWebviewPanel: async () => undefined }), /already registered/);
  });

  it('opens a .lanes file in its custom editor', async () => {
    const uri = vscode.Uri.file(join(folder(), 'trace.lanes'));
    await vscode.commands.executeCommand('vscode.open', uri);
    await until('the custom editor tab', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.viewType === 'asyncLanes.trace' && input.uri.fsPath === uri.fsPath;
    });
  });

  it('Record Current File writes the trace of a Python file into the workspace .async-lanes folder', async () => {
    const app = vscode.Uri.file(join(folder(), 'app.py'));
    await vscode.commands.executeCommand('asyncLanes.recordCurrentFile', app);
    const dir = join(folder(), '.async-lanes');
    const trace = () => (existsSync(dir) ? readdirSync(dir).find((f) => /^app-\d{8}-\d{6}\.lanes$/.test(f)) : undefined);
    await until('the trace with its exit record', () => trace() !== undefined && readFileSync(join(dir, trace()!), 'utf8').includes('["exit"'));
    const index = new TraceIndex(parseTrace(readFileSync(join(dir, trace()!), 'utf8')));
    assert.deepEqual(index.tasks.slice(0, 2).map((t) => [t.name, t.coro, t.parent]), [['Task-1', 'main', null], ['Task-2', 'child', 1]]);
    assert.deepEqual(index.meta.exit && [index.meta.exit.how, index.meta.exit.detail], ['exit', 0]);
  });

  it('uses the settings: the interpreter override, the trace folder and the blocked-loop threshold', async () => {
    const c = vscode.workspace.getConfiguration('asyncLanes');
    const target = vscode.ConfigurationTarget.Workspace;
    await c.update('pythonPath', join(folder(), 'mypython'), target);
    await c.update('traceFolder', 'traces', target);
    await c.update('blockThresholdMs', 40, target);
    try {
      await vscode.commands.executeCommand('asyncLanes.recordCurrentFile', vscode.Uri.file(join(folder(), 'app.py')));
      const dir = join(folder(), 'traces');
      const trace = () => (existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.lanes')) : undefined);
      await until('the trace in the configured folder', () => trace() !== undefined && readFileSync(join(dir, trace()!), 'utf8').includes('["exit"'));
      const index = new TraceIndex(parseTrace(readFileSync(join(dir, trace()!), 'utf8')));
      assert.equal(index.meta.header.blockThresholdNs, 40e6);
      assert.ok(existsSync(join(folder(), '.mypython-used')), 'the configured interpreter ran the program');
    } finally {
      for (const key of ['pythonPath', 'traceFolder', 'blockThresholdMs']) await c.update(key, undefined, target);
    }
  });

  it('Record Current File on a JavaScript file runs the configured node under the Node recorder', async () => {
    const c = vscode.workspace.getConfiguration('asyncLanes');
    const target = vscode.ConfigurationTarget.Workspace;
    await c.update('nodePath', join(folder(), 'mynode'), target);
    try {
      await vscode.commands.executeCommand('asyncLanes.recordCurrentFile', vscode.Uri.file(join(folder(), 'app.js')));
      const dir = join(folder(), '.async-lanes');
      const trace = () => (existsSync(dir) ? readdirSync(dir).find((f) => /^app-\d{8}-\d{6}(-\d+)?\.lanes$/.test(f) && readFileSync(join(dir, f), 'utf8').includes('"runtime":"node"')) : undefined);
      await until('the Node trace with its exit record', () => trace() !== undefined && readFileSync(join(dir, trace()!), 'utf8').includes('["exit"'));
      const index = new TraceIndex(parseTrace(readFileSync(join(dir, trace()!), 'utf8')));
      assert.deepEqual(index.tasks.map((t) => [t.coro, t.parent]), [['main', null], ['child', index.tasks[0].id]]);
      assert.ok(existsSync(join(folder(), '.mynode-used')), 'the configured node ran the program');
    } finally {
      await c.update('nodePath', undefined, target);
    }
  });

  it('Record Current File uses the interpreter the Python extension selected (its active environment)', async () => {
    assert.ok(vscode.extensions.getExtension('ms-python.python'), 'the Python extension stand-in is installed');
    await withPythonSelection({ active: join(folder(), 'selectedpython') }, async () => {
      const index = await recordApp();
      assert.deepEqual(index.tasks.slice(0, 2).map((t) => [t.coro, t.parent]), [['main', null], ['child', 1]]);
      assert.ok(existsSync(join(folder(), '.selectedpython-used')), 'the selected interpreter ran the program');
    });
  });

  it('Record Current File uses the Python extension\'s execution command when it has no active environment', async () => {
    await withPythonSelection({ execCommand: [join(folder(), 'selectedpython')] }, async () => {
      const index = await recordApp();
      assert.deepEqual(index.meta.exit && [index.meta.exit.how, index.meta.exit.detail], ['exit', 0]);
      assert.ok(existsSync(join(folder(), '.selectedpython-used')), 'the selected interpreter ran the program');
    });
  });

  it('asyncLanes.pythonPath wins over the Python extension\'s selection', async () => {
    const c = vscode.workspace.getConfiguration('asyncLanes');
    await c.update('pythonPath', join(folder(), 'mypython'), vscode.ConfigurationTarget.Workspace);
    try {
      await withPythonSelection({ active: join(folder(), 'selectedpython') }, async () => {
        const index = await recordApp();
        assert.deepEqual(index.meta.exit && [index.meta.exit.how, index.meta.exit.detail], ['exit', 0]);
        assert.ok(existsSync(join(folder(), '.mypython-used')), 'the configured interpreter ran the program');
        assert.ok(!existsSync(join(folder(), '.selectedpython-used')), 'the selected interpreter did not run');
      });
    } finally {
      await c.update('pythonPath', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
