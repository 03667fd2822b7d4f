// An http server and its client on 127.0.0.1: three requests at once; each handler awaits a timer, the client's
// requests wait on the network.
const http = require('node:http');

async function handle(req, res) {
  await new Promise((resolve) => setTimeout(resolve, 30)); // await: handler-timer
  res.end(`hello ${req.url}`);
}

function get(port, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

async function request(port, path) {
  const body = await get(port, path); // await: client-get
  return body;
}

async function main() {
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)); // await: listen
  const { port } = server.address();
  const bodies = await Promise.all(['/a', '/b', '/c'].map((p) => request(port, p))); // await: requests
  console.log(bodies.join(' | '));
  server.close();
}

main();
