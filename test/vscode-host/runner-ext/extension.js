// Test-only extension (never packaged): runs the extension-host suite named by $ASYNC_LANES_HOST_SUITE (its
// compiled index.js, VS Code's extensionTestsPath contract) inside this extension host, for
// test/vscode/host-suite.test.ts. The suite writes its results to $ASYNC_LANES_HOST_RESULTS.
const vscode = require('vscode');

exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('asyncLanesTests.runHostSuite', async () => {
    try {
      await require(process.env.ASYNC_LANES_HOST_SUITE).run();
    } catch (err) {
      // The results file says which tests failed; a suite that cannot even load says it here.
      require('node:fs').writeFileSync(process.env.ASYNC_LANES_HOST_RESULTS + '.error', String(err && err.stack || err));
    }
  }));
};
