// An ES module with top-level await: the module's evaluation is a task that awaits worker().
import { setTimeout as sleep } from 'node:timers/promises';

async function worker(name) {
  await sleep(30); // await: esm-sleep
  return name.toUpperCase();
}

const result = await worker('esm'); // await: top-level
console.log(result);
