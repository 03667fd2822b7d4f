import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../launch/launch.js';

/** The package's version, from its package.json (the one place it is written). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
