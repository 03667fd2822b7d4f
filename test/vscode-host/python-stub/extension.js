// Test-only stand-in for the Python extension (id ms-python.python; never packaged with Async Lanes), installed by
// test/vscode/host-suite.test.ts because the real one cannot be installed there. It exposes the same API shape
// (environments.getActiveEnvironmentPath, settings.getExecutionDetails) and answers from `.python-stub.json` in the
// resource's workspace folder, so each test decides what it selects: {"active": path} or {"execCommand": [path]}.
// Without that file (or without a resource in a workspace folder) nothing is selected.
const vscode = require('vscode');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

function selection(resource) {
  const folder = resource && vscode.workspace.getWorkspaceFolder(resource);
  const file = folder && join(folder.uri.fsPath, '.python-stub.json');
  return file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
}

exports.activate = () => ({
  environments: {
    getActiveEnvironmentPath: (resource) => {
      const path = selection(resource).active;
      return path ? { id: path, path } : undefined;
    },
    onDidChangeActiveEnvironmentPath: () => ({ dispose() {} }),
  },
  settings: {
    getExecutionDetails: (resource) => ({ execCommand: selection(resource).execCommand }),
  },
});
