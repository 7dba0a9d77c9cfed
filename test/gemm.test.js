'use strict';
const assert = require('assert');
const { makeRandom, assertClose, matmulRef, tn } = require('./helpers');

const native = tn._native;

describe('sgemm (CPU)', () => {
  const rand = makeRandom(3);
  const sizes = [[1, 1, 1], [1, 7, 3], [5, 1, 9], [2, 3, 4], [7, 15, 17], [17, 33, 31], [33, 65, 63], [64, 64, 64],
    [65, 129, 127], [130, 31, 257], [3, 5, 4099], [100, 97, 300]];

  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    it(`matches a float64 reference, transA=${ta} transB=${tb}, odd sizes and large K (kernel ${native.gemmKernel()})`, () => {
      for (const [M, N, K] of sizes) {
        // Leading dimensions larger than the rows, to catch stride mistakes.
        const lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 2, ldc = N + 1;
        const A = rand((ta ? K : M) * lda), B = rand((tb ? N : K) * ldb);
        const C = rand(M * ldc);
        const C0 = Float32Array.from(C);
        const alpha = 0.75, beta = -0.5;
        native.sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        const ref = matmulRef(ta, tb, M, N, K, A, lda, B, ldb);
        const got = new Float64Array(M * N), want = new Float64Array(M * N);
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) {
            got[i * N + j] = C[i * ldc + j];
            want[i * N + j] = alpha * ref[i * N + j] + beta * C0[i * ldc + j];
          }
          // The padding column between rows must be untouched.
          assert.strictEqual(C[i * ldc + N], C0[i * ldc + N], `padding of row ${i} was written (${M}x${N}x${K})`);
        }
        // float32 accumulation over K terms of magnitude <= 1: error grows like sqrt(K) eps.
        assertClose(got, want, { atol: 2e-6 * Math.sqrt(K) * 8, rtol: 1e-4, what: `sgemm ${M}x${N}x${K} ta=${ta} tb=${tb}` });
      }
    });
  }

  it('beta = 0 ignores NaN in C', () => {
    const A = rand(6), B = rand(6), C = new Float32Array(4).fill(NaN);
    native.sgemm(false, false, 2, 2, 3, 1, A, 3, B, 2, 0, C, 2);
    assertClose(C, matmulRef(false, false, 2, 2, 3, A, 3, B, 2), { what: 'beta=0' });
  });

  it('K = 0 scales C by beta', () => {
    const C = Float32Array.from([1, 2, 3, 4]);
    native.sgemm(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 0.5, C, 2);
    assertClose(C, [0.5, 1, 1.5, 2], { what: 'K=0' });
  });

  it('rejects buffers that are too small instead of reading past them', () => {
    assert.throws(() => native.sgemm(false, false, 4, 4, 4, 1, new Float32Array(15), 4, new Float32Array(16), 4, 0,
      new Float32Array(16), 4), /at least 16 elements in A/);
    assert.throws(() => native.sgemm(false, false, 2, 2, 2, 1, new Float64Array(4), 2, new Float32Array(4), 2, 0,
      new Float32Array(4), 2), /Float32Array for A/);
  });

  it('gives the same results on 1 thread and on all threads', () => {
    const M = 300, N = 200, K = 150;
    const A = rand(M * K), B = rand(K * N);
    const C1 = new Float32Array(M * N), C2 = new Float32Array(M * N);
    const threads = tn.getNumThreads();
    tn.setNumThreads(1);
    try {
      native.sgemm(false, false, M, N, K, 1, A, K, B, N, 0, C1, N);
    } finally {
      tn.setNumThreads(threads);
    }
    native.sgemm(false, false, M, N, K, 1, A, K, B, N, 0, C2, N);
    assertClose(C2, C1, { atol: 1e-5, rtol: 1e-5, what: 'threads' });
  });
});
