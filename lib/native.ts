// Finds and loads the native addon. A failure lists every path tried and why each did not load.
//
// Note [Where the addon is found]
// 1. TENSORNODE_ADDON_PATH, when set: that file and nothing else.
// 2. build/Release, then build/Debug: a build from source in a clone (`npm install`,
//    `npm run build:native`). A local build wins over prebuilds, as in node-gyp-build: a developer
//    who edits the C++ and rebuilds must never run a stale prebuilt binary left by `npm run prebuild`.
//    The published package has no build/ (see "files" in package.json), so users never get here.
// 3. prebuilds/<platform>-<arch>/*.node, prebuildify's layout (scripts/prebuild.js writes
//    tensornode.napi.glibc.node): '.'-separated tags in the name are matched against this process as
//    node-gyp-build does: 'napi' (needs Node-API >= NAPI_VERSION), 'abi<N>' (without napi: exactly
//    this Node's ABI), 'glibc'/'musl', 'armv<N>', 'uv<N>', runtime 'node'/'electron'; unknown tags
//    (the name) are ignored; the most specific match is tried first. Files with 'cuda' in the name
//    are the CUDA plugin, never the addon.
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
  firstNaN(values: Float32Array): number;
  /** y[i] = table[indices[i]] row by row (dim floats each); returns the position of the first bad index, or -1. */
  embeddingForward(y: Float32Array, table: Float32Array, indices: Int32Array, n: number, vocab: number, dim: number): number;
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

/** The Node-API version the addon is compiled against (binding.gyp: NAPI_VERSION=8). */
const ADDON_NAPI_VERSION = 8;

interface PrebuildTags {
  runtime?: string;
  napi?: boolean;
  abi?: string;
  libc?: string;
  armv?: string;
  uv?: string;
  specificity: number;
}

function parseTags(file: string): PrebuildTags {
  const tags: PrebuildTags = { specificity: 0 };
  for (const tag of file.split('.').slice(0, -1)) {
    if (tag === 'node' || tag === 'electron' || tag === 'node-webkit') tags.runtime = tag;
    else if (tag === 'napi') tags.napi = true;
    else if (/^abi\d+$/.test(tag)) tags.abi = tag.slice(3);
    else if (tag === 'glibc' || tag === 'musl') tags.libc = tag;
    else if (/^armv\d+$/.test(tag)) tags.armv = tag.slice(4);
    else if (/^uv\d+$/.test(tag)) tags.uv = tag.slice(2);
    else continue;
    tags.specificity++;
  }
  return tags;
}

let libcCache: string | undefined;
/** 'glibc' or 'musl' (Linux only): glibc reports its version in the diagnostic report header. */
function libc(): string {
  if (libcCache === undefined) {
    const env = process.env.LIBC;
    if (env === 'glibc' || env === 'musl') libcCache = env;
    else {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const header = (process.report?.getReport() as any)?.header;
      libcCache = header?.glibcVersionRuntime ? 'glibc' : 'musl';
    }
  }
  return libcCache;
}

/** Why a prebuilt binary with these tags cannot load here, or null when it matches. */
function mismatch(tags: PrebuildTags): string | null {
  const runtime = process.versions.electron ? 'electron' : 'node';
  if (tags.runtime && tags.runtime !== runtime && !(tags.runtime === 'node' && tags.napi)) {
    return `built for ${tags.runtime}, this is ${runtime}`;
  }
  if (tags.napi) {
    const napi = Number(process.versions.napi ?? 0);
    if (napi < ADDON_NAPI_VERSION) return `needs Node-API ${ADDON_NAPI_VERSION}, this Node ${process.version} has ${napi}`;
  } else if (tags.abi && tags.abi !== process.versions.modules) {
    return `built for Node ABI ${tags.abi}, this Node ${process.version} has ABI ${process.versions.modules}`;
  }
  if (tags.libc && process.platform === 'linux' && tags.libc !== libc()) return `built for ${tags.libc}, this system uses ${libc()}`;
  const armv = process.env.ARM_VERSION || (process.arch === 'arm64' ? '8' : String((process.config.variables as Record<string, unknown>).arm_version ?? ''));
  if (tags.armv && tags.armv !== armv) return `built for ARMv${tags.armv}, this is ARMv${armv || '?'}`;
  const uv = (process.versions.uv ?? '').split('.')[0];
  if (tags.uv && tags.uv !== uv) return `built for libuv ${tags.uv}, this Node has libuv ${uv}`;
  return null;
}

/** Prebuilt binaries for this platform and arch, best first; those that cannot match go to `rejected`. */
function prebuiltCandidates(rejected: LoadAttempt[]): string[] {
  const prebuildsDir = path.join(packageRoot, 'prebuilds');
  // 'linux-x64', or a multi-arch folder such as 'darwin-x64+arm64' (single-arch preferred).
  const dirs = (fs.existsSync(prebuildsDir) ? fs.readdirSync(prebuildsDir) : [])
    .map((name) => ({ name, parts: name.split('-') }))
    .filter(({ parts }) => parts.length === 2 && parts[0] === process.platform && parts[1].split('+').includes(process.arch))
    .sort((a, b) => a.parts[1].split('+').length - b.parts[1].split('+').length);
  if (dirs.length === 0) {
    rejected.push({
      path: path.join(prebuildsDir, `${process.platform}-${process.arch}`),
      error: `no prebuilt binary for ${process.platform}-${process.arch} in this package`,
    });
    return [];
  }
  const found: { file: string; tags: PrebuildTags }[] = [];
  for (const { name } of dirs) {
    const dir = path.join(prebuildsDir, name);
    for (const file of fs.readdirSync(dir).sort()) {
      if (!file.endsWith('.node') || file.includes('cuda')) continue;
      const tags = parseTags(file);
      const why = mismatch(tags);
      if (why) rejected.push({ path: path.join(dir, file), error: why });
      else found.push({ file: path.join(dir, file), tags });
    }
  }
  if (found.length === 0 && rejected.length === 0) {
    rejected.push({ path: path.join(prebuildsDir, dirs[0].name), error: 'no .node file in it' });
  }
  // Stable sort: most specific first, order of folders otherwise.
  return found.sort((a, b) => b.tags.specificity - a.tags.specificity).map((f) => f.file);
}

function load(): { addon: NativeAddon; path: string; attempts: LoadAttempt[] } {
  const attempts: LoadAttempt[] = [];
  const override = process.env.TENSORNODE_ADDON_PATH;
  const rejected: LoadAttempt[] = [];
  const candidates = override
    ? [path.resolve(override)]
    : [
        path.join(packageRoot, 'build', 'Release', 'tensornode.node'),
        path.join(packageRoot, 'build', 'Debug', 'tensornode.node'),
        ...prebuiltCandidates(rejected),
      ];
  for (const candidate of candidates) {
    if (!fs.existsSync(candidate)) {
      attempts.push({ path: candidate, error: override ? 'no such file (from TENSORNODE_ADDON_PATH)' : 'no such file' });
      continue;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const addon = require(candidate) as NativeAddon;
      return { addon, path: candidate, attempts: [...attempts, ...rejected] };
    } catch (e) {
      attempts.push({ path: candidate, error: (e as Error).message.split('\n')[0] });
    }
  }
  attempts.push(...rejected);
  const list = attempts.map((a) => `  ${a.path}: ${a.error}`).join('\n');
  throw new Error(
    `tensornode could not load its native addon for ${process.platform}-${process.arch} ` +
      `(Node ${process.version}, Node-API ${process.versions.napi}). Tried:\n${list}\n` +
      'The npm package ships prebuilt binaries for linux-x64 (glibc) only. Elsewhere, build from source: clone the ' +
      'repository, then `npm install` (or `npm run build:native`), which needs python3, make and a C++17 compiler; ' +
      'see "Building from source" in the README.',
  );
}

const loaded = load();

/** The loaded native addon. */
export const native: NativeAddon = loaded.addon;
/** The file it was loaded from. */
export const nativePath: string = loaded.path;
