// The program's own async context tools keep working under the recorder, and its promises look the same: an
// AsyncLocalStorage store follows each request through awaits and timers, the program's own async_hooks hook sees
// its promises, and an async function's promise has no property, symbol or key the program could see.
const { AsyncLocalStorage, createHook } = require('node:async_hooks');

let promiseInits = 0;
createHook({
  init(id, type) {
    if (type === 'PROMISE') promiseInits++;
  },
}).enable();

const als = new AsyncLocalStorage();

async function lookup(key) {
  await new Promise((resolve) => setTimeout(resolve, 5)); // await: lookup-timer
  return `${als.getStore()}:${key}`;
}

async function request(id) {
  return als.run(`req${id}`, async () => {
    const a = await lookup('a'); // await: first-lookup
    await null;
    return [a, await lookup('b')];
  });
}

async function main() {
  const p = lookup('x');
  console.log('own keys of a task promise:', Reflect.ownKeys(p).length, Object.getOwnPropertySymbols(p).length);
  await p;
  console.log(JSON.stringify(await Promise.all([request(1), request(2)])));
  console.log('the program hook saw promises:', promiseInits > 0);
}

main();
