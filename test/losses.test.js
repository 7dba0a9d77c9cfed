'use strict';
const assert = require('assert');
const { makeRandom, assertClose, tn } = require('./helpers');

const native = tn._native;
const CODES = { mse: 0, mae: 1, bce: 2, cce: 3, scce: 4 };
const EPS = 1e-7;
const clip = (p) => Math.min(Math.max(p, EPS), 1 - EPS);

// float64 references of Keras' losses (batch mean). input: probabilities, or logits when fromLogits.
function lossRef(kind, fromLogits, input, target, rows, cols) {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const z = Array.from(input.subarray(r * cols, (r + 1) * cols), Number);
    if (kind === 'mse') total += z.reduce((s, v, c) => s + (v - target[r * cols + c]) ** 2, 0) / cols;
    if (kind === 'mae') total += z.reduce((s, v, c) => s + Math.abs(v - target[r * cols + c]), 0) / cols;
    if (kind === 'bce') {
      total += z.reduce((s, v, c) => {
        const t = target[r * cols + c];
        const p = fromLogits ? 1 / (1 + Math.exp(-v)) : clip(v);
        return s - (t * Math.log(p) + (1 - t) * Math.log(1 - p));
      }, 0) / cols;
    }
    if (kind === 'cce' || kind === 'scce') {
      let p;
      if (fromLogits) {
        const mx = Math.max(...z);
        const sum = z.reduce((s, v) => s + Math.exp(v - mx), 0);
        p = z.map((v) => Math.exp(v - mx) / sum);
      } else {
        const sum = z.reduce((s, v) => s + v, 0);
        p = z.map((v) => clip(v / sum));
      }
      if (kind === 'cce') total -= p.reduce((s, v, c) => s + target[r * cols + c] * Math.log(v), 0);
      else total -= Math.log(p[target[r]]);
    }
  }
  return total / rows;
}

describe('losses (CPU)', () => {
  const rand = makeRandom(21);
  const rows = 6, cols = 5;
  const cases = [];
  for (const kind of ['mse', 'mae', 'bce', 'cce', 'scce']) {
    for (const fromLogits of kind === 'mse' || kind === 'mae' ? [false] : [false, true]) cases.push([kind, fromLogits]);
  }

  for (const [kind, fromLogits] of cases) {
    it(`${kind}${fromLogits ? ' from logits (fused)' : ''}: value against float64, gradient against finite differences`, () => {
      let input;
      if (fromLogits || kind === 'mse' || kind === 'mae') input = rand(rows * cols, -3, 3);
      else input = rand(rows * cols, 0.05, 0.95);
      let target;
      if (kind === 'scce') target = Int32Array.from({ length: rows }, (_, r) => (r * 3) % cols);
      else if (kind === 'cce') {
        target = new Float32Array(rows * cols);
        for (let r = 0; r < rows; r++) target[r * cols + ((r * 2) % cols)] = 1;
      } else if (kind === 'bce') target = Float32Array.from({ length: rows * cols }, (_, i) => (i % 3 === 0 ? 1 : 0));
      else target = rand(rows * cols);
      const grad = new Float32Array(rows * cols);
      const value = native.lossForwardBackward(CODES[kind], fromLogits, grad, input, target, rows, cols);
      assertClose([value], [lossRef(kind, fromLogits, input, target, rows, cols)], { atol: 1e-6, rtol: 1e-5, what: 'loss value' });
      const h = 1e-3;
      const numeric = Array.from(input, (_, i) => {
        const x = Float64Array.from(input);
        x[i] += h;
        const plus = lossRef(kind, fromLogits, x, target, rows, cols);
        x[i] -= 2 * h;
        return (plus - lossRef(kind, fromLogits, x, target, rows, cols)) / (2 * h);
      });
      assertClose(grad, numeric, { atol: 1e-4, rtol: 1e-3, what: 'loss gradient' });
    });
  }

  it('fused losses stay finite for saturated logits', () => {
    const logits = Float32Array.from([200, -200, 0, -150, 150, 1]);
    const grad = new Float32Array(6);
    const bce = native.lossForwardBackward(CODES.bce, true, grad, logits, Float32Array.from([0, 1, 1, 1, 0, 0]), 6, 1);
    assert.ok(Number.isFinite(bce) && bce > 50, `bce ${bce}`);
    assert.ok(grad.every(Number.isFinite));
    const cce = native.lossForwardBackward(CODES.cce, true, grad, logits, Float32Array.from([0, 1, 0, 1, 0, 0]), 2, 3);
    assert.ok(Number.isFinite(cce) && cce > 100, `cce ${cce}`);
    assert.ok(grad.every(Number.isFinite));
  });

  it('sparse labels outside [0, classes) are an error, not a wrong read', () => {
    assert.throws(() => native.lossForwardBackward(CODES.scce, true, null, new Float32Array(6), Int32Array.from([0, 3]), 2, 3),
      /sparse label 3 at row 1 is outside \[0, 3\)/);
  });

  it('accuracy counts: binary, categorical, sparse', () => {
    const pred = Float32Array.from([0.1, 0.7, 0.2, 0.6, 0.3, 0.1]);
    assert.strictEqual(native.accuracyCount(0, false, pred, Float32Array.from([0, 1, 1, 1, 0, 0]), 6, 1), 5);
    assert.strictEqual(native.accuracyCount(1, false, pred, Float32Array.from([0, 1, 0, 1, 0, 0]), 2, 3), 2);
    assert.strictEqual(native.accuracyCount(2, false, pred, Int32Array.from([1, 2]), 2, 3), 1);
  });
});
