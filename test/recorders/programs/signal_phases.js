// The program of the Node signal torture test (test/recorders/node-signals.test.ts). Prints "phase NAME" on stdout
// as each phase begins, so the test can signal it at a random moment inside a given phase:
//   startup  the recorder and this module loading (the test signals it by time, before any line)
//   await    await-heavy work for ~600 ms: rounds of 110 async calls and 100 awaits, 10 ms apart (the recorder's
//            timer posts chunks to its writer thread all along)
//   flush    a burst of ~4,200 async calls and 4,000 awaits at once (~17,000 records), then an 800 ms sleep while
//            the writer thread formats them
//   sync     a synchronous loop of SYNC_MS (argv[3], default 2000), then a 300 ms sleep
//   end      the program returns (exit 0)
// argv[2] === 'handle-sigint': the program handles SIGINT itself: says so on stderr and exits 42.

if (process.argv[2] === 'handle-sigint') {
  process.on('SIGINT', () => {
    process.stderr.write('got SIGINT\n');
    process.exit(42);
  });
}
const SYNC_MS = Number(process.argv[3]) || 2000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function leaf(i) {
  await null;
  return i;
}

async function worker(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += await leaf(i);
  return s;
}

async function main() {
  console.log('phase await');
  const until = Date.now() + 600;
  while (Date.now() < until) {
    await Promise.all(Array.from({ length: 10 }, () => worker(10)));
    await sleep(10);
  }
  console.log('phase flush');
  await Promise.all(Array.from({ length: 200 }, () => worker(20)));
  await sleep(800);
  console.log('phase sync');
  const end = Date.now() + SYNC_MS;
  let spins = 0;
  while (Date.now() < end) spins++;
  await sleep(300);
  console.log('phase end');
  return spins;
}

console.log('phase startup');
main();
