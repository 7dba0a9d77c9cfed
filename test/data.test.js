// tn.data datasets (tfjs-data's API) against plain arrays, and training from datasets:
// fitDataset / fit(dataset) equal to fit(x, y) on the same batches, evaluateDataset, the
// callbacks and stopping rules of fit, errors naming the batch.
'use strict';
const assert = require('assert');
const { spawnSync } = require('child_process');
const path = require('path');
const { tn, assertClose, makeRandom } = require('./helpers');

const values = (t) => Array.from(t.dataSync());
const range = (n) => Array.from({ length: n }, (_, i) => i);

describe('tn.data datasets', () => {
  it('array(): yields the items in order; size is the length; every iterator() is a new pass', async () => {
    const ds = tn.data.array([1, 2, 3]);
    assert.strictEqual(ds.size, 3);
    assert.deepStrictEqual(await ds.toArray(), [1, 2, 3]);
    assert.deepStrictEqual(await ds.toArray(), [1, 2, 3]);
    const it = await ds.iterator();
    assert.deepStrictEqual(await it.next(), { value: 1, done: false });
    const seen = [];
    for await (const v of ds) seen.push(v);
    assert.deepStrictEqual(seen, [1, 2, 3]);
    assert.deepStrictEqual((await it.next()).value, 2, 'a pass keeps its place while others run');
  });

  it('generator(): sync and async generator functions, called once per pass; size unknown', async () => {
    let calls = 0;
    const sync = tn.data.generator(function* () {
      calls++;
      for (let i = 0; i < 4; i++) yield i * i;
    });
    assert.strictEqual(sync.size, null);
    assert.deepStrictEqual(await sync.toArray(), [0, 1, 4, 9]);
    assert.deepStrictEqual(await sync.toArray(), [0, 1, 4, 9]);
    assert.strictEqual(calls, 2);
    const asyncDs = tn.data.generator(async function* () {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        yield { x: i };
      }
    });
    assert.deepStrictEqual(await asyncDs.toArray(), [{ x: 0 }, { x: 1 }, { x: 2 }]);
    // Any function returning an object with next() (tfjs-data's contract).
    const manual = tn.data.generator(() => {
      let i = 0;
      return { next: () => (i < 2 ? { value: i++, done: false } : { value: undefined, done: true }) };
    });
    assert.deepStrictEqual(await manual.toArray(), [0, 1]);
    assert.throws(() => tn.data.generator((function* () { yield 1; })()), /Expected a function returning an iterator/);
  });

  it('map, mapAsync, filter: order kept; size known after map, unknown after filter', async () => {
    const ds = tn.data.array(range(10));
    const mapped = ds.map((x) => x * 2);
    assert.strictEqual(mapped.size, 10);
    assert.deepStrictEqual(await mapped.toArray(), range(10).map((x) => x * 2));
    const slow = ds.mapAsync(async (x) => {
      await new Promise((r) => setTimeout(r, (10 - x) % 3));
      return x + 100;
    });
    assert.deepStrictEqual(await slow.toArray(), range(10).map((x) => x + 100));
    const odd = ds.filter((x) => x % 2 === 1);
    assert.strictEqual(odd.size, null);
    assert.deepStrictEqual(await odd.toArray(), [1, 3, 5, 7, 9]);
    assert.deepStrictEqual(await ds.filter(async (x) => x > 7).toArray(), [8, 9]);
    assert.strictEqual(ds.repeat().filter(() => true).size, Infinity);
  });

  it('batch: numbers, arrays, tensors and objects stacked as tfjs-data; last batch small or dropped', async () => {
    const ds = tn.data.array(range(7));
    const b = await ds.batch(3).toArray();
    assert.strictEqual(ds.batch(3).size, 3);
    assert.deepStrictEqual(b.map((t) => t.shape), [[3], [3], [1]]);
    assert.deepStrictEqual(b.map(values), [[0, 1, 2], [3, 4, 5], [6]]);
    const dropped = ds.batch(3, false);
    assert.strictEqual(dropped.size, 2);
    assert.deepStrictEqual((await dropped.toArray()).map(values), [[0, 1, 2], [3, 4, 5]]);
    assert.strictEqual((await ds.batch(7).toArray()).length, 1);
    assert.strictEqual((await ds.batch(100).toArray())[0].shape[0], 7);
    // Objects of nested numeric arrays and of tensors.
    const rows = range(5).map((i) => ({ xs: [[i, i + 1], [i + 2, i + 3]], ys: tn.tensor([i % 2], [1], 'int32'), w: i / 2 }));
    const [first, second] = await tn.data.array(rows).batch(4).toArray();
    assert.deepStrictEqual(first.xs.shape, [4, 2, 2]);
    assert.deepStrictEqual(values(first.xs).slice(0, 8), [0, 1, 2, 3, 1, 2, 3, 4]);
    assert.strictEqual(first.ys.dtype, 'int32');
    assert.deepStrictEqual(first.ys.shape, [4, 1]);
    assert.deepStrictEqual(values(first.w), [0, 0.5, 1, 1.5]);
    assert.deepStrictEqual(second.xs.shape, [1, 2, 2]);
    // Arrays holding tensors are batched position by position (Keras-style [x, y] tuples).
    const pairs = range(3).map((i) => [tn.tensor([i, -i]), tn.tensor([i], [1])]);
    const [[x, y]] = await tn.data.array(pairs).batch(3).toArray();
    assert.deepStrictEqual(x.shape, [3, 2]);
    assert.deepStrictEqual(values(y), [0, 1, 2]);
    // Typed arrays.
    const [t] = await tn.data.array([Int32Array.of(1, 2), Int32Array.of(3, 4)]).batch(2).toArray();
    assert.strictEqual(t.dtype, 'int32');
    assert.deepStrictEqual(t.shape, [2, 2]);
  });

  it('batch: mismatched shapes, strings and missing values are errors naming the element and key', async () => {
    await assert.rejects(tn.data.array([[1, 2], [3]]).batch(2).toArray(), /element 1: its shape \[1\] differs from element 0's shape \[2\]/);
    await assert.rejects(tn.data.array([{ a: 1 }, { a: 'x' }]).batch(2).toArray(), /element 1 at a: expected a number/);
    await assert.rejects(tn.data.array([{ a: 'sun' }]).batch(1).toArray(), /no string tensors/);
    await assert.rejects(tn.data.array([{ a: 1, b: undefined }]).batch(1).toArray(), /element 0 at b: undefined.*missing value/);
    await assert.rejects(tn.data.array([tn.tensor([1, 2]), tn.tensor([1, 2, 3])]).batch(2).toArray(),
      /element 1: a float32 tensor of shape \[3\] differs from element 0's float32 tensor of shape \[2\]/);
    await assert.rejects(tn.data.array([{ a: 1 }, { b: 1 }]).batch(2).toArray(), /element 1: it has no key 'a'/);
    assert.throws(() => tn.data.array([1]).batch(0), /Expected a positive integer for batchSize but received 0/);
  });

  it('shuffle: a permutation; the same orders for the same seed; reshuffles each pass unless told not to', async () => {
    const n = 50;
    const ds = tn.data.array(range(n));
    const a = ds.shuffle(n, 42);
    const passes = [await a.toArray(), await a.toArray(), await a.toArray()];
    for (const p of passes) assert.deepStrictEqual([...p].sort((x, y) => x - y), range(n));
    assert.notDeepStrictEqual(passes[0], range(n));
    assert.notDeepStrictEqual(passes[0], passes[1], 'reshuffleEachIteration defaults to true');
    const b = ds.shuffle(n, 42);
    assert.deepStrictEqual([await b.toArray(), await b.toArray(), await b.toArray()], passes, 'same seed, same sequence of orders');
    const fixed = ds.shuffle(n, 'abc', false);
    assert.deepStrictEqual(await fixed.toArray(), await fixed.toArray());
    assert.notDeepStrictEqual(await ds.shuffle(n, 1).toArray(), await ds.shuffle(n, 2).toArray());
    // A small buffer only moves elements locally: element v comes out no earlier than position v - (bufferSize - 1).
    const local = await ds.shuffle(3, 5).toArray();
    assert.deepStrictEqual([...local].sort((x, y) => x - y), range(n));
    local.forEach((v, pos) => assert.ok(pos >= v - 2, `element ${v} at position ${pos} with a buffer of 3`));
    // Without a seed, tn.setSeed makes it repeat.
    tn.setSeed(9);
    const s1 = await ds.shuffle(n).toArray();
    tn.setSeed(9);
    assert.deepStrictEqual(await ds.shuffle(n).toArray(), s1);
    assert.throws(() => ds.shuffle(), /requires bufferSize \(the dataset has 50 elements/);
  });

  it('shuffle is uniform enough: every value visits every position', async () => {
    const counts = Array.from({ length: 4 }, () => new Array(4).fill(0));
    const ds = tn.data.array(range(4)).shuffle(4, 3);
    for (let r = 0; r < 800; r++) (await ds.toArray()).forEach((v, pos) => counts[v][pos]++);
    for (const row of counts) for (const c of row) assert.ok(c > 150 && c < 250, `position counts ${JSON.stringify(counts)}`);
  });

  it('repeat, take, skip, concatenate: elements and sizes as tfjs-data', async () => {
    const ds = tn.data.array([1, 2, 3]);
    assert.deepStrictEqual(await ds.repeat(2).toArray(), [1, 2, 3, 1, 2, 3]);
    assert.strictEqual(ds.repeat(2).size, 6);
    assert.strictEqual(ds.repeat().size, Infinity);
    assert.strictEqual(ds.repeat(0).size, 0);
    assert.deepStrictEqual(await ds.repeat(0).toArray(), []);
    assert.deepStrictEqual(await ds.repeat().take(7).toArray(), [1, 2, 3, 1, 2, 3, 1]);
    assert.strictEqual(ds.repeat().take(7).size, 7);
    assert.deepStrictEqual(await ds.take(2).toArray(), [1, 2]);
    assert.deepStrictEqual(await ds.take(0).toArray(), []);
    assert.deepStrictEqual(await ds.take(10).toArray(), [1, 2, 3]);
    assert.strictEqual(ds.take(10).size, 3);
    assert.deepStrictEqual(await ds.take(-1).toArray(), [1, 2, 3]);
    assert.deepStrictEqual(await ds.skip(1).toArray(), [2, 3]);
    assert.strictEqual(ds.skip(5).size, 0);
    assert.deepStrictEqual(await ds.skip(5).toArray(), []);
    assert.deepStrictEqual(await ds.concatenate(tn.data.array([4])).toArray(), [1, 2, 3, 4]);
    assert.strictEqual(ds.concatenate(tn.data.array([4])).size, 4);
    assert.strictEqual(ds.concatenate(tn.data.generator(function* () { yield 1; })).size, null);
    assert.deepStrictEqual(await ds.skip(1).repeat(2).batch(3).toArray().then((b) => b.map(values)), [[2, 3, 2], [3]]);
    await assert.rejects(ds.repeat().toArray(), /endless dataset/);
    assert.deepStrictEqual(await tn.data.array([]).repeat().take(3).toArray(), [], 'an empty dataset repeated forever ends');
  });

  it('take() stops reading its source: an endless generator is read only as far as needed', async () => {
    let produced = 0;
    const endless = tn.data.generator(function* () {
      for (;;) yield produced++;
    });
    assert.deepStrictEqual(await endless.take(5).toArray(), [0, 1, 2, 3, 4]);
    assert.strictEqual(produced, 5);
  });

  it('zip: arrays and objects of datasets, nested; ends with the shortest', async () => {
    const a = tn.data.array([1, 2, 3]);
    const b = tn.data.array(['x', 'y']);
    const z = tn.data.zip([a, b]);
    assert.strictEqual(z.size, 2);
    assert.deepStrictEqual(await z.toArray(), [[1, 'x'], [2, 'y']]);
    const nested = tn.data.zip({ xs: a, more: { ys: a.map((v) => v * 10) } });
    assert.deepStrictEqual(await nested.toArray(), [{ xs: 1, more: { ys: 10 } }, { xs: 2, more: { ys: 20 } }, { xs: 3, more: { ys: 30 } }]);
    assert.throws(() => tn.data.zip(a), /Expected an array or an object of Datasets/);
    assert.throws(() => tn.data.zip([a, 3]), /Expected a Dataset for datasets\["1"\]/);
  });

  it('forEachAsync awaits each call; prefetch keeps the order and reads ahead', async () => {
    const seen = [];
    await tn.data.array([1, 2, 3]).forEachAsync(async (v) => {
      await new Promise((r) => setTimeout(r, 1));
      seen.push(v);
    });
    assert.deepStrictEqual(seen, [1, 2, 3]);
    let produced = 0;
    const src = tn.data.generator(async function* () {
      for (let i = 0; i < 10; i++) {
        produced++;
        yield i;
      }
    });
    const it = await src.prefetch(4).iterator();
    assert.strictEqual((await it.next()).value, 0);
    await new Promise((r) => setImmediate(r));
    assert.ok(produced >= 4, `prefetch(4) read ${produced} elements ahead of one consumed`);
    const rest = [];
    for await (const v of it) rest.push(v);
    assert.deepStrictEqual(rest, range(10).slice(1));
    assert.strictEqual(src.prefetch(4).size, null);
    assert.strictEqual(tn.data.array([1, 2]).prefetch(1).size, 2);
  });

  it('cache(): later passes replay the first complete one; AUTOTUNE prefetch; a cut-short pass caches nothing', async () => {
    let reads = 0;
    const src = tn.data.generator(function* () {
      for (let i = 0; i < 5; i++) {
        reads++;
        yield { v: i };
      }
    });
    const cached = src.cache();
    const first = await cached.take(2).toArray();
    assert.deepStrictEqual(first, [{ v: 0 }, { v: 1 }]);
    const full = await cached.toArray();
    assert.strictEqual(reads, 7, 'the cut-short pass was not cached');
    const again = await cached.toArray();
    assert.strictEqual(reads, 7, 'the third pass read nothing');
    assert.deepStrictEqual(again, full);
    assert.strictEqual(again[0], full[0], 'the same elements, not copies');
    assert.deepStrictEqual(await cached.shuffle(5, 1).prefetch(tn.data.AUTOTUNE).toArray().then((a) => a.length), 5);
    assert.throws(() => tn.data.array([1]).repeat().cache(), /Cannot cache an endless dataset/);
    assert.throws(() => src.cache('/tmp/x'), /caching to a file is not implemented/);
  });

  it('an error in the source reaches the consumer, also through prefetch, with no unhandled rejection', async () => {
    const failing = tn.data.generator(function* () {
      yield 1;
      throw new Error('bad record 2');
    });
    await assert.rejects(failing.prefetch(3).toArray(), /bad record 2/);
    await assert.rejects(failing.map((x) => x).batch(2).toArray(), /bad record 2/);
    await assert.rejects(tn.data.array([1]).map(() => { throw new Error('in map'); }).toArray(), /in map/);
  });

  it('ending a pass early closes the source (finally blocks run)', async () => {
    let closed = 0;
    const src = tn.data.generator(function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed++;
      }
    });
    await src.take(3).toArray();
    await src.prefetch(2).take(2).toArray();
    await src.map((x) => x).batch(2).take(1).toArray();
    assert.strictEqual(closed, 3);
  });
});

// ---- training from datasets -------------------------------------------------------------

function model(seed = 3) {
  tn.setSeed(seed);
  const m = tn.sequential({
    layers: [tn.layers.dense({ units: 6, activation: 'tanh', inputShape: [4] }), tn.layers.dense({ units: 3, activation: 'softmax' })],
  });
  m.compile({ optimizer: tn.train.adam(0.05), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

function data(n = 40) {
  const rand = makeRandom(11);
  const x = rand(n * 4);
  const y = Int32Array.from({ length: n }, (_, i) => (x[i * 4] + x[i * 4 + 1] > 0 ? 1 : x[i * 4 + 2] > 0 ? 2 : 0));
  return { x, y, n };
}

describe('fitDataset, fit(dataset), evaluateDataset', () => {
  it('fitDataset equals fit(x, y, {shuffle: false}) on the same batches: same weights, same history', async () => {
    const { x, y, n } = data();
    const a = model();
    const ha = await a.fit(tn.tensor(x, [n, 4]), tn.tensor(y, [n], 'int32'), { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    const b = model();
    const ds = tn.data.zip({ xs: tn.data.array(range(n).map((i) => Array.from(x.subarray(i * 4, i * 4 + 4)))), ys: tn.data.array(Array.from(y)) })
      .batch(8).map(({ xs, ys }) => ({ xs, ys }));
    const hb = await b.fitDataset(ds, { epochs: 3, verbose: 0 });
    a.getWeights().forEach((w, i) => assertClose(values(b.getWeights()[i]), values(w), { atol: 1e-6, rtol: 1e-5, what: `weight ${i}` }));
    assertClose(hb.history.loss, ha.history.loss, { atol: 1e-6, rtol: 1e-5, what: 'loss history' });
    assertClose(hb.history.acc, ha.history.acc, { atol: 1e-6, what: 'accuracy history' });
    // fit(dataset) (Keras' form) with [x, y] elements runs the same steps.
    const c = model();
    const pairs = tn.data.array(range(n / 8).map((k) => [tn.tensor(x.slice(k * 32, k * 32 + 32), [8, 4]), tn.tensor(y.slice(k * 8, k * 8 + 8), [8], 'int32')]));
    const hc = await c.fit(pairs, { epochs: 3, verbose: 0 });
    assertClose(hc.history.loss, ha.history.loss, { atol: 1e-6, rtol: 1e-5, what: 'fit(dataset) loss history' });
    // evaluate(dataset) and evaluateDataset equal evaluate(x, y).
    const [lossT, accT] = await a.evaluate(tn.tensor(x, [n, 4]), tn.tensor(y, [n], 'int32'), { batchSize: 8 });
    const [lossD, accD] = await b.evaluateDataset(ds);
    const [lossE, accE] = await c.evaluate(pairs);
    assertClose([lossD.dataSync()[0], accD.dataSync()[0], lossE.dataSync()[0], accE.dataSync()[0]],
      [lossT.dataSync()[0], accT.dataSync()[0], lossT.dataSync()[0], accT.dataSync()[0]], { atol: 1e-5, what: 'evaluate' });
  });

  it('predict(dataset) (Keras) equals predict(tensor): x alone, [x, y] and {xs, ys} elements; steps limits it', async () => {
    const { x, y, n } = data(20);
    const m = model();
    const want = values(m.predict(tn.tensor(x, [n, 4])));
    const slices = [0, 8, 16, 20].slice(1).map((end, k, ends) => [k === 0 ? 0 : ends[k - 1], end]);
    const xb = ([a, b]) => tn.tensor(x.slice(a * 4, b * 4), [b - a, 4]);
    const yb = ([a, b]) => tn.tensor(y.slice(a, b), [b - a], 'int32');
    for (const ds of [tn.data.array(slices.map(xb)), tn.data.array(slices.map((s) => [xb(s), yb(s)])),
      tn.data.array(slices.map((s) => ({ xs: xb(s), ys: yb(s) })))]) {
      const p = await m.predict(ds);
      assert.deepStrictEqual(p.shape, [n, 3]);
      assertClose(values(p), want, { atol: 1e-6, what: 'predict(dataset)' });
    }
    assert.deepStrictEqual((await m.predict(tn.data.array(slices.map(xb)), { steps: 1 })).shape, [8, 3]);
    await assert.rejects(m.predict(tn.data.array([])), /yielded no batches/);
  });

  it('a model learns from a shuffled, batched, prefetched dataset of plain rows', async () => {
    const { x, y, n } = data(200);
    const rows = range(n).map((i) => ({ xs: Array.from(x.subarray(i * 4, i * 4 + 4)), ys: y[i] }));
    const ds = tn.data.array(rows).shuffle(n, 1).batch(16).prefetch(2);
    const m = model(5);
    const h = await m.fitDataset(ds, { epochs: 25, verbose: 0, validationData: [tn.tensor(x, [n, 4]), tn.tensor(y, [n], 'int32')] });
    assert.ok(h.history.acc.at(-1) > 0.9, `training accuracy ${h.history.acc.at(-1)}`);
    assert.ok(h.history.val_acc.at(-1) > 0.9, `val accuracy ${h.history.val_acc.at(-1)}`);
    assert.strictEqual(h.history.loss.length, 25);
    assert.strictEqual(h.params.steps, Math.ceil(n / 16));
  });

  it('batchesPerEpoch (stepsPerEpoch) continues one iterator across epochs; running out stops with a warning', async () => {
    const { x, y } = data(48);
    const batches = range(6).map((k) => ({ xs: tn.tensor(x.slice(k * 32, k * 32 + 32), [8, 4]), ys: tn.tensor(y.slice(k * 8, k * 8 + 8), [8], 'int32') }));
    const seen = [];
    const m = model();
    const logged = [];
    const warn = console.warn;
    console.warn = (msg) => logged.push(msg);
    let h;
    try {
      h = await m.fitDataset(tn.data.array(batches), {
        epochs: 4, batchesPerEpoch: 2, verbose: 0,
        callbacks: { onBatchBegin: (batch, logs) => seen.push(logs.size) },
      });
    } finally {
      console.warn = warn;
    }
    assert.strictEqual(h.history.loss.length, 3, 'three epochs of two batches; the fourth found no data');
    assert.strictEqual(seen.length, 6);
    assert.ok(logged.some((l) => /ran out of data after 0 batches of epoch 4/.test(l)), logged.join('\n'));
    // With repeat() there is enough data; Keras' name works the same.
    const h2 = await model().fit(tn.data.array(batches).repeat(), { epochs: 4, stepsPerEpoch: 2, verbose: 0 });
    assert.strictEqual(h2.history.loss.length, 4);
  });

  it('a validation dataset gives val_ logs; validationBatches limits it', async () => {
    const { x, y, n } = data(40);
    const rows = range(n).map((i) => [Array.from(x.subarray(i * 4, i * 4 + 4)), y[i]]);
    const ds = tn.data.array(rows).batch(10);
    let valBatches = 0;
    const counting = ds.map((b) => {
      valBatches++;
      return b;
    });
    const h = await model().fitDataset(ds, { epochs: 2, verbose: 0, validationData: counting, validationBatches: 2 });
    assert.deepStrictEqual(Object.keys(h.history).sort(), ['acc', 'loss', 'val_acc', 'val_loss']);
    assert.strictEqual(valBatches, 4);
  });

  it('callbacks and stopTraining behave as in fit(x, y); a second fit while one runs is an error', async () => {
    const { x, y, n } = data(40);
    const ds = tn.data.array(range(n / 8).map((k) => [tn.tensor(x.slice(k * 32, k * 32 + 32), [8, 4]), tn.tensor(y.slice(k * 8, k * 8 + 8), [8], 'int32')]));
    const m = model();
    const events = [];
    const h = await m.fit(ds, {
      epochs: 3, verbose: 0,
      callbacks: {
        onTrainBegin: () => events.push('train'),
        onEpochBegin: (e) => events.push(`epoch${e}`),
        onBatchEnd: (b, logs) => {
          events.push(`b${b}:${typeof logs.loss}:${typeof logs.acc}`);
          if (b === 1 && events.filter((e) => e === 'epoch1').length === 1) m.stopTraining = true;
        },
        onEpochEnd: (e, logs) => events.push(`end${e}:${logs.loss > 0}`),
        onTrainEnd: () => events.push('done'),
      },
    });
    assert.strictEqual(h.history.loss.length, 2);
    assert.deepStrictEqual(events.slice(-5), ['epoch1', 'b0:number:number', 'b1:number:number', 'end1:true', 'done']);
    const running = m.fit(ds.repeat(), { epochs: 1, stepsPerEpoch: 50, verbose: 0 });
    await assert.rejects(m.fitDataset(ds, { epochs: 1, verbose: 0 }), /another fit\(\) call on it is still running/);
    await running;
    // trainable is read at every step: freezing the first layer from a callback stops its updates.
    const frozen = model();
    const before = values(frozen.layers[0].getWeights()[0]);
    await frozen.fit(ds, { epochs: 1, verbose: 0, callbacks: { onBatchBegin: () => { frozen.layers[0].trainable = false; } } });
    assert.deepStrictEqual(values(frozen.layers[0].getWeights()[0]), before);
  });

  it('[n] binary labels (flowFromDirectory classMode binary) train a one-unit sigmoid model', async () => {
    const { x, n } = data(64);
    tn.setSeed(1);
    const m = tn.sequential({ layers: [tn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] })] });
    m.compile({ optimizer: tn.train.adam(0.1), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const yb = Float32Array.from({ length: n }, (_, i) => (x[i * 4] > 0 ? 1 : 0));
    const ds = tn.data.array(range(n / 16).map((k) => [tn.tensor(x.slice(k * 64, k * 64 + 64), [16, 4]), tn.tensor(yb.slice(k * 16, k * 16 + 16), [16])]));
    const h = await m.fit(ds, { epochs: 30, verbose: 0 });
    assert.ok(h.history.acc.at(-1) > 0.95, `accuracy ${h.history.acc.at(-1)}`);
  });

  it('bad elements and options are errors naming the batch or the option', async () => {
    const m = model();
    const { x, y } = data(16);
    const good = [tn.tensor(x.slice(0, 32), [8, 4]), tn.tensor(y.slice(0, 8), [8], 'int32')];
    await assert.rejects(m.fitDataset(tn.data.array([tn.tensor(x.slice(0, 32), [8, 4])]), { verbose: 0 }),
      /must yield \[x, y\] or \{xs, ys\} batches, but batch 0 is Tensor.*has no targets/);
    await assert.rejects(m.fitDataset(tn.data.array([good, [tn.tensor(x.slice(0, 12), [3, 4]), tn.tensor(y.slice(0, 8), [8], 'int32')]]), { verbose: 0 }),
      /Expected y of batch 1 to have 3 samples/);
    await assert.rejects(m.fitDataset(tn.data.array([[tn.tensor(x.slice(0, 4), [4]), tn.tensor([1], [1], 'int32')]]), { verbose: 0 }),
      /x of batch 0 to have a batch dimension.*dataset.batch/);
    await assert.rejects(m.fitDataset(tn.data.array([{ xs: { a: tn.tensor([1]) }, ys: good[1] }]), { verbose: 0 }), /object with keys a/);
    await assert.rejects(m.fitDataset(tn.data.array([[good[0], tn.tensor(new Int32Array(8).fill(7), [8], 'int32')]]), { verbose: 0 }),
      /Expected a class index in \[0, 3\) for y of batch 0\[0\] but received 7/);
    await assert.rejects(m.fit(tn.data.array([good]), { batchSize: 4 }), /do not give batchSize when x is a Dataset/);
    await assert.rejects(m.fit(tn.data.array([good]), { shuffle: true }), /shuffle has no effect on a Dataset/);
    await assert.rejects(m.fit(tn.data.array([good]), { validationSplit: 0.2 }), /validationSplit is only supported for tensors/);
    await assert.rejects(m.fit(tn.data.array([good]), { epocs: 2 }), /unknown option 'epocs'/);
    await assert.rejects(m.fit(tn.data.array([good]), { stepsPerEpoch: 1, batchesPerEpoch: 1 }), /not both/);
    await assert.rejects(m.fit(tn.data.array([good]), good[1]), /y must not be given when x is a Dataset/);
    await assert.rejects(m.fitDataset(tn.data.array([]), { verbose: 0 }), /yielded no batches in epoch 1/);
    await assert.rejects(m.evaluateDataset(tn.data.array([])), /yielded no batches/);
    const uncompiled = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [4] })] });
    await assert.rejects(uncompiled.fitDataset(tn.data.array([good])), /must compile a model/);
  });

  it('the progress line counts the batches a dataset of unknown size ran (verbose 2)', () => {
    const script = `
      const tn = require(${JSON.stringify(path.resolve(__dirname, '..'))});
      const m = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [2] })] });
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const ds = tn.data.generator(function* () { for (let i = 0; i < 5; i++) yield [tn.tensor([1, 2, 3, 4], [2, 2]), tn.tensor([1, 2], [2, 1])]; });
      m.fit(ds, { epochs: 2, verbose: 2 }).then((h) => console.log('steps', h.params.steps));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /Epoch 1\/2 - .*\/step - loss: /);
    assert.match(r.stdout, /Epoch 2\/2 - /);
    assert.match(r.stdout, /steps null/);
  });
});
