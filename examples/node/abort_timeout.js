// An AbortController timeout: slow() waits on a 5 s timer that AbortSignal.timeout(100) aborts; main() catches it.
const { setTimeout: sleep } = require('node:timers/promises');

async function slow(signal) {
  await sleep(5000, undefined, { signal }); // await: slow-sleep
  return 'finished';
}

async function main() {
  try {
    await slow(AbortSignal.timeout(100)); // await: abort
  } catch (err) {
    console.log('aborted:', err.name);
  }
}

main();
