// Await-heavy microbenchmark: 1000 tasks × 50 calls of an async function that awaits once = 100,000 awaits and
// 51,000 async function calls. Prints the workload's own time (ms) as JSON on stdout.
async function leaf(i) {
  await null;
  return i;
}

async function worker() {
  let s = 0;
  for (let i = 0; i < 50; i++) s += await leaf(i);
  return s;
}

async function main() {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 1000 }, () => worker()));
  console.log(JSON.stringify({ ms: performance.now() - t0 }));
}

main();
