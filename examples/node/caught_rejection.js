// A rejected await, caught: failing() ends with an error, main() catches it and goes on.
async function failing() {
  await new Promise((resolve) => setTimeout(resolve, 20)); // await: failing-timer
  throw new Error('no such user'); // raise: failing
}

async function main() {
  try {
    await failing(); // await: caught
  } catch (err) {
    console.log('caught:', err.message);
  }
  return 'recovered';
}

main().then((v) => console.log(v));
