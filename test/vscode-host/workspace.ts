// The workspace folder the extension-host suite expects: a small asyncio program and a small Node one, a trace
// fixture, and interpreter wrappers (for the interpreter settings and the Python extension's selection) that leave a
// mark when they run.

import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

export function makeHostWorkspace(dir: string): string {
  const ws = join(dir, 'ws');
  mkdirSync(ws, { recursive: true });
  writeFileSync(join(ws, 'app.py'), 'import asyncio\n\n\nasync def child():\n    await asyncio.sleep(0.01)\n\n\nasync def main():\n    await asyncio.create_task(child())\n\n\nasyncio.run(main())\n');
  copyFileSync(join(ROOT, 'test', 'fixtures', 'gather.lanes'), join(ws, 'trace.lanes'));
  writeFileSync(join(ws, 'app.js'), 'async function child() {\n  await new Promise((r) => setTimeout(r, 10));\n}\n\nasync function main() {\n  await child();\n}\n\nmain();\n');
  writeFileSync(join(ws, 'mynode'), '#!/bin/sh\ntouch "$(dirname "$0")/.mynode-used"\nexec node "$@"\n', { mode: 0o755 });
  for (const name of ['mypython', 'selectedpython']) writeFileSync(join(ws, name), `#!/bin/sh\ntouch "$(dirname "$0")/.${name}-used"\nexec python3 "$@"\n`, { mode: 0o755 });
  return ws;
}
