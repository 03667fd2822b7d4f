// The workspace folder the extension-host suite expects: a small asyncio program, a trace fixture, and an
// interpreter wrapper (for the interpreter setting) that leaves a mark when it runs.

import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

export function makeHostWorkspace(dir: string): string {
  const ws = join(dir, 'ws');
  mkdirSync(ws, { recursive: true });
  writeFileSync(join(ws, 'app.py'), 'import asyncio\n\n\nasync def child():\n    await asyncio.sleep(0.01)\n\n\nasync def main():\n    await asyncio.create_task(child())\n\n\nasyncio.run(main())\n');
  copyFileSync(join(ROOT, 'test', 'fixtures', 'gather.lanes'), join(ws, 'trace.lanes'));
  writeFileSync(join(ws, 'mypython'), '#!/bin/sh\ntouch "$(dirname "$0")/.mypython-used"\nexec python3 "$@"\n', { mode: 0o755 });
  return ws;
}
