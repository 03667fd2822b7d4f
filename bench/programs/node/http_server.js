// An http server whose handler is an async function with a few awaits (a parsed body, a small async lookup), on
// 127.0.0.1; prints its port, and stops on SIGTERM.
const http = require('node:http');

async function lookup(key) {
  await null;
  return { key, value: key.length };
}

async function handle(req, res) {
  const item = await lookup(req.url);
  const body = JSON.stringify(await Promise.all([item, lookup('x')]));
  res.setHeader('content-type', 'application/json');
  res.end(body);
}

const server = http.createServer((req, res) => void handle(req, res));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
