// A CPU loop that blocks the event loop for 300 ms inside a task: the ticker task's timer fires late.
async function ticker() {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 50)); // await: tick
}

function busy(ms) {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1); // block: cpu
  return x;
}

async function cruncher() {
  await new Promise((resolve) => setTimeout(resolve, 20)); // await: before-crunch
  busy(300);
  return 'crunched';
}

async function main() {
  await Promise.all([ticker(), cruncher()]);
  console.log('done');
}

main();
