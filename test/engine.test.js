// The engine's autograd and memory contracts: gradient accumulation on fan-out, residuals and
// shared variables (Note [Gradient accumulation] in lib/engine/tape.ts), scopes that free
// every intermediate (lib/engine/memory.ts), the tfjs gradient API's argument checks, and the
// custom training loop of examples/custom-loop.js learning the MNIST digits.
'use strict';
const assert = require('assert');
const tn = require('..');

const close = (actual, expected, tol = 1e-5) => {
  const a = Array.from(actual), e = Array.from(expected);
  assert.strictEqual(a.length, e.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - e[i]) <= tol * (1 + Math.abs(e[i])), `[${i}] ${v} vs ${e[i]}`));
};

describe('engine: gradient accumulation', () => {
  it('a tensor used twice (fan-out) gets the sum of both contributions', () => {
    // f(x) = sum(x * x + 3 * x): df/dx = 2x + 3
    const x = tn.tensor([1, -2, 0.5]);
    const g = tn.grad((t) => t.mul(t).add(t.mul(3)).sum())(x);
    close(g.dataSync(), [5, -1, 4]);
  });

  it('a residual connection adds the skip path to the layer path', () => {
    // y = x + relu(x W): dy/dx = 1 + W^T (relu' (dy))
    const x = tn.tensor([[1, -1]]);
    const w = tn.tensor([[2, 0], [0, 3]]);
    const g = tn.grad((t) => t.add(tn.relu(tn.matMul(t, w))).sum())(x);
    // x W = [2, -3]: relu passes the first column only -> d/dx = 1 + [2, 0]
    close(g.dataSync(), [3, 1]);
  });

  it('a variable shared by two uses (a tied weight) accumulates both gradients', () => {
    const w = tn.variable(tn.tensor([[1, 2], [3, 4]]), true, 'engine_test_tied');
    const x = tn.tensor([[1, 1]]);
    // loss = sum(x W W): d/dW = x^T (1 W^T) + (x W)^T 1 ... checked against finite differences
    const loss = () => tn.matMul(tn.matMul(x, w), w).sum();
    const { value, grads } = tn.variableGrads(loss, [w]);
    const base = value.dataSync()[0];
    const numeric = [];
    const wv = w.dataSync();
    for (let i = 0; i < 4; i++) {
      const keep = wv[i];
      wv[i] = keep + 1e-2;
      const up = loss().dataSync()[0];
      wv[i] = keep - 1e-2;
      const down = loss().dataSync()[0];
      wv[i] = keep;
      numeric.push((up - down) / 2e-2);
    }
    assert.ok(Number.isFinite(base));
    close(grads.engine_test_tied.dataSync(), numeric, 1e-3);
    w.dispose();
  });

  it('gradients of a broadcast input are summed back to its shape', () => {
    const a = tn.tensor([[1, 2, 3], [4, 5, 6]]);
    const b = tn.tensor([10, 20, 30]);
    const [ga, gb] = tn.grads((p, q) => p.mul(q).sum())([a, b]);
    assert.deepStrictEqual(ga.shape, [2, 3]);
    assert.deepStrictEqual(gb.shape, [3]);
    close(ga.dataSync(), [10, 20, 30, 10, 20, 30]);
    close(gb.dataSync(), [5, 7, 9]);
  });

  it('an input f does not use gets a zero gradient; a variable f does not use is left out of variableGrads', () => {
    const [ga, gb] = tn.grads((p) => p.square().sum())([tn.tensor([1, 2]), tn.tensor([3])]);
    close(ga.dataSync(), [2, 4]);
    close(gb.dataSync(), [0]);
    const used = tn.variable(tn.tensor([1, 2]));
    const unused = tn.variable(tn.tensor([5]));
    const { grads } = tn.variableGrads(() => used.sum(), [used, unused]);
    assert.deepStrictEqual(Object.keys(grads), [used.name]);
  });

  it('customGrad uses the given gradient', () => {
    // A straight-through estimator: forward rounds, backward passes dy unchanged.
    const roundST = tn.customGrad((x, save) => {
      save([x]);
      return { value: tn.round(x), gradFunc: (dy) => [dy] };
    });
    const x = tn.tensor([0.2, 1.7]);
    close(roundST(x).dataSync(), [0, 2]);
    close(tn.grad((t) => roundST(t).mul(3).sum())(x).dataSync(), [3, 3]);
  });

  it('valueAndGrad returns f(x) and its gradient; dy weights the output', () => {
    const { value, grad } = tn.valueAndGrad((t) => t.square())(tn.tensor([1, 2]), tn.tensor([1, 10]));
    close(value.dataSync(), [1, 4]);
    close(grad.dataSync(), [2, 40]);
  });
});

describe('engine: memory without tidy()', () => {
  it('1,000 optimizer.minimize steps leave as many live tensors and bytes as before', () => {
    tn.setSeed(3);
    const w = tn.variable(tn.randomNormal([8, 4], 0, 0.1));
    const b = tn.variable(tn.zeros([4]));
    const x = tn.randomNormal([16, 8]);
    const y = tn.randomNormal([16, 4]);
    const optimizer = tn.train.adam(0.01);
    const loss = () => tn.matMul(x, w).add(b).sub(y).square().mean();
    optimizer.minimize(loss, false, [w, b]);  // the first step makes the optimizer's slots
    const before = tn.memory();
    for (let i = 0; i < 1000; i++) optimizer.minimize(loss, false, [w, b]);
    const after = tn.memory();
    assert.strictEqual(after.numTensors, before.numTensors);
    assert.strictEqual(after.numBytes, before.numBytes);
    const cost = optimizer.minimize(loss, true, [w, b]);
    assert.ok(cost.dataSync()[0] < 1.5, `the loss fell to ${cost.dataSync()[0]}`);
  });

  it('the same holds for tn.variableGrads + applyGradients, and the returned values stay readable', () => {
    const w = tn.variable(tn.tensor([1, 2, 3]));
    const optimizer = tn.train.sgd(0.1);
    const step = () => {
      const { value, grads } = tn.variableGrads(() => w.square().sum(), [w]);
      optimizer.applyGradients(grads);
      const v = value.dataSync()[0];
      value.dispose();
      Object.values(grads).forEach((g) => g.dispose());
      return v;
    };
    step();
    const before = tn.memory().numTensors;
    let last = 0;
    for (let i = 0; i < 1000; i++) last = step();
    assert.strictEqual(tn.memory().numTensors, before);
    assert.ok(last < 1e-6);
  });

  it('a reshape shares its input memory: tn.memory counts the bytes once', () => {
    const before = tn.memory();
    const a = tn.zeros([4, 4]);
    const r = a.reshape([16]);
    const after = tn.memory();
    assert.strictEqual(after.numTensors - before.numTensors, 2);
    assert.strictEqual(after.numBytes - before.numBytes, 64);
    a.dispose();
    r.dispose();
    assert.strictEqual(tn.memory().numBytes, before.numBytes);
  });
});

describe('engine: gradient API arguments', () => {
  it('non-functions, non-scalar variableGrads results, int32 sources and shape-mismatched dy are clear errors', () => {
    assert.throws(() => tn.grad(3), /Expected a function for grad\(f\)/);
    const v = tn.variable(tn.tensor([1, 2]));
    assert.throws(() => tn.variableGrads(() => v.mul(2), [v]), /must return a scalar but returned shape \[2\]/);
    assert.throws(() => tn.grad((t) => t.sum())(tn.tensor([1], [1], 'int32')), /float32 inputs/);
    assert.throws(() => tn.grad((t) => t.mul(2))(tn.tensor([1, 2]), tn.tensor([1])), /dy has shape \[1\]/);
    assert.throws(() => tn.train.sgd(0.1).applyGradients({ no_such_variable: tn.tensor([1]) }), /no live variable named/);
    assert.throws(() => tn.variable(tn.tensor([1]), true, v.name), /already registered/);
  });
});

describe('engine: custom training loops (examples/custom-loop.js)', function () {
  this.timeout(120000);
  it('both loop forms learn 3,000 real MNIST digits as well as model.fit', async () => {
    const { main } = require('../examples/custom-loop');
    const r = await main({ epochs: 3, limit: 3000, quiet: true });
    assert.ok(r.minimizeAccuracy >= 0.88, `minimize loop: ${r.minimizeAccuracy}`);
    assert.ok(r.variableGradsAccuracy >= 0.88, `variableGrads loop: ${r.variableGradsAccuracy}`);
    assert.ok(Math.abs(r.minimizeAccuracy - r.fitAccuracy) < 0.04, `minimize ${r.minimizeAccuracy} vs fit ${r.fitAccuracy}`);
  });
});
