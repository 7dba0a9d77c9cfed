// Finds and loads the native addon: a prebuilt binary in prebuilds/<platform>-<arch>/ when
// one matches this machine, else a local build/ from source. A failure lists every path
// tried and why each did not load.
import * as fs from 'fs';
import * as path from 'path';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** The functions of the native addon. Argument order: outputs, inputs, saved, then sizes. */
export interface NativeAddon {
  sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: Float32Array, lda: number,
    B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void;
  sgemmReference(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: Float32Array,
    lda: number, B: Float32Array, ldb: number, beta: number, C: Float32Array, ldc: number): void;
  denseForward(y: Float32Array, z: Float32Array | null, x: Float32Array, kernel: Float32Array, bias: Float32Array | null,
    batch: number, inDim: number, outDim: number, activation: number, alpha: number): void;
  denseBackward(dx: Float32Array | null, dkernel: Float32Array, dbias: Float32Array | null, dzScratch: Float32Array | null,
    dy: Float32Array, x: Float32Array, kernel: Float32Array, z: Float32Array | null, y: Float32Array, batch: number,
    inDim: number, outDim: number, activation: number, alpha: number, dyIsPreActivation: boolean): void;
  activationForward(y: Float32Array, x: Float32Array, rows: number, cols: number, activation: number, alpha: number): void;
  activationBackward(dx: Float32Array, dy: Float32Array, x: Float32Array | null, y: Float32Array | null, rows: number,
    cols: number, activation: number, alpha: number): void;
  biasAdd(y: Float32Array, bias: Float32Array, rows: number, cols: number): void;
  biasBackward(dbias: Float32Array, dy: Float32Array, rows: number, cols: number): void;
  dropoutForward(y: Float32Array, mask: Float32Array, x: Float32Array, n: number, rate: number, seed: number): void;
  multiply(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void;
  lossForwardBackward(loss: number, fromLogits: boolean, grad: Float32Array | null, input: Float32Array,
    target: Float32Array | Int32Array, rows: number, cols: number): number;
  accuracyCount(kind: number, fromLogits: boolean, pred: Float32Array, target: Float32Array | Int32Array, rows: number,
    cols: number): number;
  optimizerUpdate(kind: number, hyper: Record<string, number | boolean>, params: Float32Array[], grads: Float32Array[],
    slotA: Float32Array[] | null, slotB: Float32Array[] | null): void;
  setNumThreads(threads: number): void;
  numThreads(): number;
  gemmKernel(): string;
  /** Op families added later (conv, recurrent, …) register more functions. */
  [name: string]: any;
}

/** Where the package's files are: dist/native.js lives one level below the root. */
export const packageRoot = path.resolve(__dirname, '..');

export interface LoadAttempt {
  path: string;
  error: string;
}

function candidatePaths(): string[] {
  const platformDir = path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`);
  const prebuilt: string[] = [];
  if (fs.existsSync(platformDir)) {
    for (const name of fs.readdirSync(platformDir).sort()) {
      // prebuildify names the N-API build of the addon '<name>.napi.node' or 'node.napi.node';
      // the CUDA plugin that may sit beside it is not the addon.
      if (name.endsWith('.node') && !name.includes('cuda')) prebuilt.push(path.join(platformDir, name));
    }
  } else {
    prebuilt.push(path.join(platformDir, 'tensornode.napi.node'));
  }
  return [
    ...prebuilt,
    path.join(packageRoot, 'build', 'Release', 'tensornode.node'),
    path.join(packageRoot, 'build', 'Debug', 'tensornode.node'),
  ];
}

function load(): { addon: NativeAddon; path: string; attempts: LoadAttempt[] } {
  const attempts: LoadAttempt[] = [];
  const override = process.env.TENSORNODE_ADDON_PATH;
  for (const candidate of override ? [override] : candidatePaths()) {
    if (!fs.existsSync(candidate)) {
      attempts.push({ path: candidate, error: 'no such file' });
      continue;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const addon = require(candidate) as NativeAddon;
      return { addon, path: candidate, attempts };
    } catch (e) {
      attempts.push({ path: candidate, error: (e as Error).message.split('\n')[0] });
    }
  }
  const list = attempts.map((a) => `  ${a.path}: ${a.error}`).join('\n');
  throw new Error(
    `tensornode could not load its native addon for ${process.platform}-${process.arch} (Node ${process.version}). ` +
      `Tried:\n${list}\nBuild it from source with \`npm run build:native\` (needs python3, make and a C++17 compiler).`,
  );
}

const loaded = load();

/** The loaded native addon. */
export const native: NativeAddon = loaded.addon;
/** The file it was loaded from. */
export const nativePath: string = loaded.path;
