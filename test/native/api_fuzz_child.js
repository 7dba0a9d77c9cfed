// Runs public-API fuzz cases (api_fuzz_cases.js) in this process; see test/api-fuzz.test.js.
// usage: node api_fuzz_child.js SEED COUNT PROGRESS_FILE -> one JSON summary line on stdout.
'use strict';
const fs = require('fs');
const { makeApiCase } = require('./api_fuzz_cases');

const [seed, count] = process.argv.slice(2, 4).map(Number);
const progress = fs.openSync(process.argv[4], 'w');
process.on('unhandledRejection', (e) => {
  fs.writeSync(progress, `unhandled rejection: ${e && e.message}\n`);
  process.exit(4);
});

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('__hang__')), ms); })])
    .finally(() => clearTimeout(timer));
}

(async () => {
  const summary = { cases: 0, errors: 0, failures: [] };
  for (let i = 0; i < count; i++) {
    const c = makeApiCase(seed, i);
    fs.writeSync(progress, `case ${i} ${c.name}: ${c.what}\n`);
    summary.cases++;
    let outcome;
    try {
      const v = c.run();
      if (v && typeof v.then === 'function') await withTimeout(v, 20000);
      outcome = 'returned without an error';
    } catch (e) {
      if (e && e.message === '__hang__') outcome = 'did not settle within 20 s';
      else if (!(e instanceof Error)) outcome = `threw a non-Error ${String(e)}`;
      else if (typeof e.message !== 'string' || e.message.length < 10) outcome = `threw an Error with no useful message: '${e.message}'`;
      else outcome = null;
    }
    if (outcome) summary.failures.push(`case ${i} ${c.name}: ${c.what}: ${outcome}`);
    else summary.errors++;
  }
  fs.writeSync(progress, 'done\n');
  process.stdout.write(JSON.stringify(summary) + '\n');
})();
