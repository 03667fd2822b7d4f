import { closeSync, openSync, writeSync } from 'node:fs';
import { CliError } from './errors.js';
import type { Io } from './io.js';

export interface Output {
  write(text: string): void;
  close(): void;
}

/** A command's output: the file `-o` names, or stdout for none or "-". The file is opened at the first write, which
 * comes after the trace was read: a trace that cannot be read leaves no file (nor truncates an earlier one). */
export function outputTo(path: string | undefined, io: Io): Output {
  let fd: number | undefined;
  const fail = (err: unknown) => new CliError(`cannot write "${path}": ${(err as Error).message}`);
  return {
    write(text) {
      if (path === undefined || path === '-') return io.out(text);
      try {
        fd ??= openSync(path, 'w');
        writeSync(fd, text);
      } catch (err) {
        throw fail(err);
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
    },
  };
}
