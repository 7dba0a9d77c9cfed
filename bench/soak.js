// Memory soak (`npm run bench -- soak`): a server that sees every batch size must stay flat.
// The seed MLP (Dense 64 relu, Dense 64 relu, Dense 10 softmax, Adam) runs
//   1. 2,000 predicts, of batch sizes 1..2000 in a shuffled order (each predict one batch),
//   2. 10,000 training steps (trainOnBatch) of random batch sizes in 1..2000,
//   3. 20 short fits on 1..2000 samples with batch sizes that leave a different last batch,
// and prints the resident set size (RSS, after a full GC) before and after each phase. The
// target (issue 11): RSS growth under 64 MB over phases 1 and 2. Layers keep a few reused
// buffers per shape (See Note [Reused buffers] in lib/layers/layer.ts); before that bound, phase 1
// grew RSS by about 2.2 GB and phase 2 by 4.2 GB. Exits 1 when a phase grows by 64 MB or more.
'use strict';
const { spawnSync } = require('child_process');

if (typeof global.gc !== 'function') {
  // Re-run with --expose-gc so that RSS is read after a full collection.
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const { machine, tn } = require('./_common');

const LIMIT_MB = 64;
const MAX_BATCH = 2000;

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => ((s ^= s << 13), (s ^= s >>> 17), (s ^= s << 5), (s >>> 0) / 4294967296);
}

function rssMB() {
  for (let i = 0; i < 3; i++) global.gc();
  return process.memoryUsage().rss / (1 << 20);
}

function model() {
  tn.setSeed(1);
  const m = tn.sequential({
    layers: [
      tn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }),
      tn.layers.dense({ units: 64, activation: 'relu' }),
      tn.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

async function main() {
  console.log(`soak: ${machine()}`);
  const rand = rng(7);
  const xAll = new Float32Array(MAX_BATCH * 784).map(() => rand());
  const labels = Int32Array.from({ length: MAX_BATCH }, () => Math.floor(rand() * 10));
  const rows = (n) => tn.tensor(xAll.subarray(0, n * 784), [n, 784]);
  const targets = (n) => tn.tensor(labels.subarray(0, n), [n], 'int32');
  const m = model();
  m.predict(rows(8));
  m.trainOnBatch(rows(8), targets(8));
  const results = [];
  const phase = async (name, fn) => {
    const before = rssMB();
    const t0 = Date.now();
    await fn();
    const after = rssMB();
    results.push({ name, before, after, growth: after - before, seconds: (Date.now() - t0) / 1000 });
    console.log(`${name.padEnd(58)} RSS ${before.toFixed(0).padStart(5)} -> ${after.toFixed(0).padStart(5)} MB ` +
      `(${(after - before >= 0 ? '+' : '') + (after - before).toFixed(1)} MB, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  };

  await phase('1. 2,000 predicts, batch sizes 1..2000 (shuffled)', () => {
    const sizes = Array.from({ length: MAX_BATCH }, (_, i) => i + 1);
    for (let i = sizes.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [sizes[i], sizes[j]] = [sizes[j], sizes[i]];
    }
    for (const n of sizes) m.predict(rows(n), { batchSize: n });
  });
  await phase('2. 10,000 trainOnBatch steps, batch sizes random in 1..2000', () => {
    for (let step = 0; step < 10000; step++) {
      const n = 1 + Math.floor(rand() * MAX_BATCH);
      m.trainOnBatch(rows(n), targets(n));
    }
  });
  await phase('3. 20 fits of 1..2000 samples, batch sizes 1..256', async () => {
    for (let i = 0; i < 20; i++) {
      const n = 1 + Math.floor(rand() * MAX_BATCH);
      await m.fit(rows(n), targets(n), { epochs: 1, batchSize: 1 + Math.floor(rand() * 256), verbose: 0, validationSplit: n > 10 ? 0.2 : undefined });
    }
  });

  const total = results[results.length - 1].after - results[0].before;
  console.log(`\ntotal RSS growth over all phases: ${total.toFixed(1)} MB (target: each phase < ${LIMIT_MB} MB)`);
  const over = results.filter((r) => r.growth >= LIMIT_MB);
  if (over.length > 0) {
    console.log(`OVER the ${LIMIT_MB} MB target: ${over.map((r) => r.name).join('; ')}`);
    process.exit(1);
  }
  console.log('within the target');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
