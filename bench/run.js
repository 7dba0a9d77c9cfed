// `npm run bench [-- name ...]`: runs every benchmark in bench/ (mlp, cnn, rnn, …), or the
// named ones, each in its own process so one's threads and memory do not disturb the next.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const wanted = process.argv.slice(2);
const files = fs.readdirSync(__dirname)
  .filter((f) => f.endsWith('.js') && f !== 'run.js' && !f.startsWith('_'))
  .filter((f) => wanted.length === 0 || wanted.includes(path.basename(f, '.js')))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== bench/${f} ===`);
  const r = spawnSync(process.execPath, [path.join(__dirname, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
