// An async generator consumed with for await: the producer suspends at each yield until the consumer asks again.
async function* produce(n) {
  for (let i = 0; i < n; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20)); // await: produce-timer
    yield i; // yield: produce
  }
}

async function consume() {
  let sum = 0;
  for await (const v of produce(3)) sum += v; // await: for-await
  return sum;
}

consume().then((sum) => console.log('sum', sum));
