// Promise.all of three timers: the three fetch() tasks overlap; main() waits on the gather, woken by the last one.
const { setTimeout: sleep } = require('node:timers/promises');

async function fetchItem(i) {
  await sleep(100 * i); // await: fetch-sleep
  return `item ${i}`;
}

async function main() {
  const items = await Promise.all([fetchItem(1), fetchItem(2), fetchItem(3)]); // await: gather
  console.log(items.join(', '));
}

main();
