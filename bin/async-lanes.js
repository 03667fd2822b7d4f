#!/usr/bin/env node
// The async-lanes command. The TypeScript is compiled to out/ by the package's `prepare` script (npm ci/install).
'use strict';
let cli;
try {
  cli = require('../out/src/cli/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('out/src/cli/main.js')) {
    process.stderr.write('async-lanes: not built yet: run "npm run build" in the async-lanes folder\n');
    process.exit(2);
  }
  throw err;
}
cli.run();
