// fs.promises reads: two files read concurrently, each await woken by I/O.
const fs = require('node:fs/promises');

async function readSize(file) {
  const text = await fs.readFile(file, 'utf8'); // await: read
  return text.length;
}

async function main() {
  const sizes = await Promise.all([readSize(__filename), readSize(__dirname + '/sequential.js')]);
  console.log('read', sizes.length, 'files');
}

main();
