// After a second of ticking, a task blocks the event loop for about a second in one step: 250 ms on one line, then
// 800 ms in a CPU loop. The blocked-loop finding names the CPU loop, the line most of the watchdog's samples saw (the
// first ones may land on the other line). The ticker task's timers fire late. (The recorder's watchdog is a thread
// that takes a moment to start, more on a loaded machine: a block in a program's first instants is not sampled.)
async function ticker() {
  for (let i = 0; i < 25; i++) await new Promise((resolve) => setTimeout(resolve, 50)); // await: tick
}

function busy(ms) {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += Math.sqrt(x + 1); // block: cpu
  return x;
}

function prepare(ms) {
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) n++; // block: prepare
  return n;
}

async function cruncher() {
  await new Promise((resolve) => setTimeout(resolve, 1000)); // await: before-crunch
  prepare(250);
  busy(800);
  return 'crunched';
}

async function main() {
  await Promise.all([ticker(), cruncher()]);
  console.log('done');
}

main();
