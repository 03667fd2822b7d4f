// A rejection never handled: lost() rejects and nobody awaits it. Node reports it and exits with code 1.
async function lost() {
  await new Promise((resolve) => setTimeout(resolve, 20)); // await: lost-timer
  throw new TypeError('nobody handles this');
}

async function main() {
  lost(); // create: lost
  await new Promise((resolve) => setTimeout(resolve, 100)); // await: main-timer
  console.log('not reached');
}

main();
