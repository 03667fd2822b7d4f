// Sequential awaits: step() runs three times one after the other, never overlapping.
async function step(n) {
  await new Promise((resolve) => setTimeout(resolve, 50)); // await: step-timer
  return n * n;
}

async function main() {
  let total = 0;
  for (let i = 1; i <= 3; i++) total += await step(i); // await: sequential
  console.log('total', total);
}

main();
