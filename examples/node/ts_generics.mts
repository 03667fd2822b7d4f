// TypeScript a tokenizer could misread if it saw the types: a generic async arrow, a generic class with an async
// method, type arguments on a call, `as`, `satisfies`, a non-null `!`, a type-only import. Node 22.18+ strips the
// types itself (the recorder does the same, blanks in place of types: every line stays); older Node needs esbuild.
import type { Stats } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

interface Job<T> {
  id: number;
  payload: T;
}

const runJob = async <T,>(job: Job<T>, ms: number): Promise<T> => {
  await sleep(ms); // await: ts-job-sleep
  return job.payload as T;
};

class Queue<T extends { id: number }> {
  private readonly items: T[] = [];

  push(item: T): this {
    this.items.push(item);
    return this;
  }

  async drain(): Promise<number[]> {
    const ids: number[] = [];
    for (const item of this.items) ids.push((await runJob<T>({ id: item.id, payload: item }, 20 * item.id))!.id); // await: ts-drain
    return ids;
  }
}

async function main(): Promise<void> {
  const q = new Queue<{ id: number; name?: string }>().push({ id: 1 }).push({ id: 2, name: 'b' } satisfies { id: number; name: string });
  const ids: number[] = await q.drain(); // await: ts-main
  const stats = undefined as Stats | undefined;
  console.log(`drained ${ids.join(', ')}${stats === undefined ? '' : '?'}`);
}

main();
