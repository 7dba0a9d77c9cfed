// The native boundary's size checks, case by case: the calls that used to crash, corrupt the
// heap or hang now give a RangeError/TypeError naming the function and the argument. The
// broad, generated version of this is native-fuzz.test.js. See Note [Checked sizes at the
// native boundary] in native/core/checked_size.h.
'use strict';
const assert = require('assert');
const { tn } = require('./helpers');

const n = tn._native;
const f = (len) => new Float32Array(len);

describe('native boundary: checked sizes', () => {
  it('products of sizes that overflow int64 are errors, not a passed length check', () => {
    // 2^32 x 2^32 wraps to 0 in int64: the old check "at least 0 elements" passed for any buffer.
    assert.throws(() => n.biasAdd(f(4), f(2048), 2 ** 30, 2048),
      (e) => e instanceof RangeError && /tensornode biasAdd: the sizes rows \(1073741824\) x cols \(2048\) need more than 2\^40 elements/.test(e.message));
    assert.throws(() => n.biasAdd(f(4), f(4), 2 ** 32, 2 ** 32), RangeError);
    assert.throws(() => n.multiply(f(4), f(4), f(4), 2 ** 61), /tensornode multiply: Expected a size \(an integer in \[0, 2\^40\]\) for n/);
    assert.throws(() => n.denseForward(f(8), null, f(8), f(8), null, 2 ** 32, 2 ** 32, 2 ** 32, 0, 0), RangeError);
    assert.throws(() => n.activationForward(f(4), f(4), 2 ** 61, 8, 0, 0), /rows/);
    assert.throws(() => n.zeroPad2dForward(f(4), f(4), 1, 1, 1, 1, 2 ** 40, 2 ** 40, 0, 0), /height \+ top \+ bottom/);
    assert.throws(() => n.upSampling2dForward(f(4), f(4), 1, 1, 1, 1, 2 ** 21, 2 ** 21), /sizeH .* sizeW .* need more than 2\^40/);
  });

  it('negative sizes are errors (biasBackward with a negative column count corrupted the heap)', () => {
    assert.throws(() => n.biasBackward(f(4), f(4), 2, -1), /tensornode biasBackward: Expected a size .* for cols but received a number \(-1\)/);
    assert.throws(() => n.biasBackward(f(4), f(4), -2, -2), /rows/);
    assert.throws(() => n.embeddingForward(f(4), f(4), new Int32Array(2), -1, 2, 2), /for n/);
  });

  it('sgemm with every size 2^62 is an error at once (it used to hang)', () => {
    const big = 2 ** 62;
    const t0 = Date.now();
    assert.throws(() => n.sgemm(false, false, big, big, big, 1, f(1), big, f(1), big, 0, f(1), big), RangeError);
    assert.ok(Date.now() - t0 < 1000);
    assert.throws(() => n.sgemm(false, false, 4, 4, 4, 1, f(16), 3, f(16), 4, 0, f(16), 4), /lda \(3\) must be >= K \(4\)/);
  });

  it('non-integers, non-finite numbers and wrong types name the argument', () => {
    assert.throws(() => n.multiply(f(4), f(4), f(4), 1.5), /for n but received a number \(1.5\)/);
    assert.throws(() => n.multiply(f(4), f(4), f(4), NaN), /for n/);
    assert.throws(() => n.multiply(f(4), new Float64Array(4), f(4), 4), /Expected a Float32Array for a but received a Float64Array\(4\)/);
    assert.throws(() => n.activationForward(f(4), f(4), 2, 2, 0, NaN), /Expected a finite number for alpha/);
    assert.throws(() => n.dropoutForward(f(4), f(4), f(4), 4, 1, 0), /Expected a number in \[0, 1\) for rate/);
    assert.throws(() => n.dropoutForward(f(4), f(4), f(4), 4, 0.5, 2 ** 32), /seed/);
    assert.throws(() => n.sgemm(false, false, 1, 1, 1, 1, f(1), 1, f(1), 1, 0, f(1)), /tensornode sgemm: Expected a size \(an integer\) for ldc but received undefined/);
    assert.throws(() => n.optimizerUpdate(0, { learningRate: NaN }, [f(2)], [f(2)], null, null), /hyper.learningRate/);
    assert.throws(() => n.optimizerUpdate(1, { learningRate: 0.1 }, [f(2)], [f(2)], null, null), /missing its first slot/);
    assert.throws(() => n.optimizerUpdate(0, { learningRate: 0.1 }, [f(2)], [f(1)], null, null), /Expected at least 2 elements in grads\[0\]/);
  });

  it('a detached array handed to native code directly is an error naming the argument', () => {
    const a = f(4);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    assert.throws(() => n.multiply(f(4), a, f(4), 4), /tensornode multiply: the memory of a was transferred away \(its ArrayBuffer is detached\)/);
    assert.throws(() => n.firstNaN(a), /detached/);
  });

  it('SharedArrayBuffer-backed arrays and subarray views at an offset work', () => {
    const shared = new Float32Array(new SharedArrayBuffer(16));
    shared.set([1, 2, 3, 4]);
    const view = new Float32Array([9, 9, 2, 2, 2, 2]).subarray(2);
    const out = f(4);
    n.multiply(out, shared, view, 4);
    assert.deepStrictEqual(Array.from(out), [2, 4, 6, 8]);
  });

  it('setNumThreads outside [1, 1024] is a RangeError in native code too', () => {
    const before = n.numThreads();
    for (const bad of [0, -1, 1025, 2 ** 31]) assert.throws(() => n.setNumThreads(bad), (e) => e instanceof RangeError && /threads/.test(e.message));
    assert.throws(() => n.setNumThreads('2'), TypeError);
    assert.strictEqual(n.numThreads(), before);
  });

  it('a convolution whose im2col matrix per image is over the workspace bound is an error, not a huge allocation', () => {
    // kernel 512x512 on a 512x512 image ('same'): 2^36 floats of im2col for one image.
    const dims = Int32Array.from([1, 512, 512, 1, 512, 512, 1, 512, 512, 1, 1, 1, 1, 255, 255]);
    assert.throws(() => n.conv2dForward(f(512 * 512), null, f(512 * 512), f(512 * 512), null, dims, 0, 0),
      /conv2d: one image needs an im2col matrix of 262144 x 262144 floats/);
  });
});
