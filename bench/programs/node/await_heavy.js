// Await-heavy microbenchmark: 1000 tasks × 50 calls of an async function that awaits once = 100,000 awaits and
// 51,000 async function calls. Runs it `argv[2]` times (default 1) in this process and prints each run's own time
// (ms) as JSON on stdout: the first run is cold (the program's and the recorder's code not yet compiled by V8's
// optimising tiers), the later ones warm.
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
  const runs = [];
  for (let r = 0; r < (Number(process.argv[2]) || 1); r++) {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 1000 }, () => worker()));
    runs.push(performance.now() - t0);
  }
  console.log(JSON.stringify({ runs }));
}

main();
