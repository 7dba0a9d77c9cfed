// Runs native fuzz cases (test/native/fuzz_cases.js) in this process, which may crash: the
// parent (test/native-fuzz.test.js) reads the progress file to name the case that did.
//
// usage: node fuzz_child.js SEED FIRST COUNT PROGRESS_FILE
// (SEED "known": the calls of KNOWN_CRASHES in fuzz_cases.js, FIRST to FIRST + COUNT - 1.)
// Writes "case <i> <name>: <what>" to PROGRESS_FILE before each call (synchronously), and on
// stdout one JSON summary at the end: {cases, threw, returnedMay, failures: [...]}.
'use strict';
const fs = require('fs');
const path = require('path');
const { native } = require(path.resolve(__dirname, '..', '..', 'dist', 'native.js'));
const { makeCase, knownCrashCase } = require('./fuzz_cases');

const known = process.argv[2] === 'known';
const [seed, first, count] = process.argv.slice(2, 5).map(Number);
const progress = fs.openSync(process.argv[5], 'w');
const summary = { cases: 0, threw: 0, returnedMay: 0, failures: [] };
for (let i = first; i < first + count; i++) {
  const c = known ? knownCrashCase(native, i) : makeCase(native, seed, i);
  fs.writeSync(progress, `case ${i} ${c.name}: ${c.what}\n`);
  summary.cases++;
  const t0 = process.hrtime.bigint();
  try {
    c.fn(...c.args);
    if (c.must) summary.failures.push(`case ${i} ${c.name}: ${c.what}: returned without an error`);
    else summary.returnedMay++;
  } catch (e) {
    if (!(e instanceof Error)) summary.failures.push(`case ${i} ${c.name}: ${c.what}: threw a non-Error ${String(e)}`);
    else if (!/^tensornode /.test(e.message)) summary.failures.push(`case ${i} ${c.name}: ${c.what}: message does not name the function: ${e.message}`);
    else summary.threw++;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (ms > 2000) summary.failures.push(`case ${i} ${c.name}: ${c.what}: took ${ms.toFixed(0)} ms`);
}
fs.writeSync(progress, 'done\n');
process.stdout.write(JSON.stringify(summary) + '\n');
