// `npm start`: records the bundled demo program and prints its report.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const cli = ['bin/async-lanes.js'];
const trace = '.async-lanes/demo-shop.lanes';
const python = process.env.ASYNC_LANES_PYTHON || 'python3';

function run(args) {
  const r = spawnSync(process.execPath, [...cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

mkdirSync('.async-lanes', { recursive: true });
console.log(`$ async-lanes record -o ${trace} -- ${python} examples/demo/shop.py`);
run(['record', '-o', trace, '--', python, 'examples/demo/shop.py']);
console.log(`\n$ async-lanes report ${trace}`);
run(['report', trace]);
