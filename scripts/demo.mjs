// `npm start`: records the bundled demo program, prints its report and shows its timeline: served in the browser
// from a terminal (Ctrl-C stops it), else (CI, no terminal) written as a self-contained HTML file.
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
if (process.stdout.isTTY && !process.env.CI) {
  console.log(`\n$ async-lanes view ${trace}`);
  process.on('SIGINT', () => {}); // Ctrl-C is for the viewer: it stops, then so does this script, with its status
  run(['view', trace]);
} else {
  const html = trace.replace(/\.lanes$/, '.html');
  console.log(`\n$ async-lanes view ${trace} --html ${html}`);
  run(['view', trace, '--html', html]);
}
