// `return promise` without await: the async function's own promise follows the returned one, so its task ends when
// that promise settles, with its value or error. delayed() returns a timer's promise; cached() returns another
// task's promise; rejecting() returns a promise that rejects.
function sleep(ms, value) {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

async function delayed() {
  return sleep(150, 'slept'); // return: delayed
}

async function cached() {
  return delayed(); // return: cached
}

async function rejecting() {
  return sleep(50).then(() => Promise.reject(new RangeError('too late')));
}

async function main() {
  console.log(await delayed(), await cached());
  try {
    await rejecting();
  } catch (err) {
    console.log('caught:', err.message);
  }
}

main();
