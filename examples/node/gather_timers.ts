// The same gather in TypeScript: types and an interface move every line, and the trace still names the .ts lines.
import { setTimeout as sleep } from 'node:timers/promises';

interface Item {
  id: number;
  label: string;
}

type Fetcher = (i: number) => Promise<Item>;

const fetchItem: Fetcher = async (i: number): Promise<Item> => {
  await sleep(100 * i); // await: ts-fetch-sleep
  return { id: i, label: `item ${i}` };
};

async function main(): Promise<void> {
  const items: Item[] = await Promise.all([1, 2, 3].map((i) => fetchItem(i))); // await: ts-gather
  console.log(items.map((it: Item) => it.label).join(', '));
}

main();
