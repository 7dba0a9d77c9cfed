// Which backend runs the math, and why. The CPU backend is built into the addon and always
// available. The CUDA backend is a separate plugin (native/cuda/, built by `npm run build:cuda`) that
// the addon loads at run time (native/addon/cuda_loader.cpp, See Note [Where the CUDA plugin is found]).
// The training loop does not dispatch to the plugin yet, so tn.setBackend('cuda') fails with the exact
// reason (plugin not built, a library missing, no driver, no GPU, or "not wired yet"), and
// backendInfo() states it.
import { checkOneOf, checkPositiveInteger, expected } from './errors';
import { native, nativePath, packageRoot } from './native';

export type BackendName = 'cpu' | 'cuda';

/** What the loader found for the CUDA plugin, when it loaded and a GPU initialised. */
export interface CudaDeviceInfo {
  device: number;
  name: string;
  computeCapability: string;
  multiprocessors: number;
  totalMemory: number;
  freeMemory: number;
  driverCuda: string;
  runtimeCuda: string;
  builtWithCuda: string;
  cudnn: string;
  builtWithCudnn: string;
  cublas: string;
  cublasLt: number;
  tf32: boolean;
}

export interface CudaStatus {
  /** True when tn.setBackend('cuda') would succeed. */
  available: boolean;
  /** Why it is not available ('' when it is). */
  reason: string;
  /** True when the plugin loaded and initialised a GPU (even while the training loop cannot use it yet). */
  pluginLoaded: boolean;
  pluginPath: string | null;
  /** Every place the plugin was looked for, and what happened there. */
  attempts: { path: string; error: string }[];
  info?: CudaDeviceInfo;
}

export interface BackendInfo {
  backend: BackendName;
  cpu: { threads: number; gemmKernel: string; addonPath: string };
  cuda: CudaStatus;
}

interface LoaderStatus {
  available: boolean;
  reason: string;
  pluginPath: string | null;
  attempts: { path: string; error: string }[];
  info?: CudaDeviceInfo;
}

/** Until the TS training loop dispatches to the plugin (issue 5, part 2), a loadable plugin is still unusable. */
export const CUDA_NOT_DISPATCHED = 'cuda plugin found but the training loop does not dispatch to it yet';

let cached: CudaStatus | undefined;

/** The CUDA plugin's status, looked up once per process. */
export function cudaStatus(): CudaStatus {
  if (cached) return cached;
  let s: LoaderStatus;
  if (typeof native.cudaStatus !== 'function') {
    s = { available: false, reason: `the native addon at ${nativePath} predates the CUDA loader; rebuild it`, pluginPath: null, attempts: [] };
  } else {
    try {
      s = native.cudaStatus(packageRoot) as LoaderStatus;
    } catch (e) {
      s = { available: false, reason: `the CUDA plugin loader failed: ${(e as Error).message}`, pluginPath: null, attempts: [] };
    }
  }
  cached = {
    available: false,
    reason: s.available ? `${CUDA_NOT_DISPATCHED} (${s.info?.name ?? 'GPU'} at ${s.pluginPath})` : s.reason,
    pluginLoaded: s.available,
    pluginPath: s.pluginPath,
    attempts: s.attempts,
    ...(s.info ? { info: s.info } : {}),
  };
  return cached;
}

let current: BackendName = 'cpu';

function initialBackend(): void {
  const requested = process.env.TENSORNODE_BACKEND;
  if (requested === undefined || requested === '') return;
  if (requested !== 'cpu' && requested !== 'cuda') {
    throw new TypeError(`TENSORNODE_BACKEND must be 'cpu' or 'cuda' but is '${requested}'`);
  }
  if (requested === 'cuda') {
    // An explicit request that cannot be met is reported, not silently ignored.
    const s = cudaStatus();
    if (!s.available) process.emitWarning(`TENSORNODE_BACKEND=cuda: ${s.reason}; running on the CPU`);
  }
}
initialBackend();

export function getBackend(): BackendName {
  return current;
}

export function setBackend(name: BackendName): void {
  const b = checkOneOf(name, 'backend', ['cpu', 'cuda'] as const);
  if (b === 'cuda') {
    const s = cudaStatus();
    if (!s.available) throw new Error(`Cannot use the cuda backend: ${s.reason}`);
  }
  current = b;
}

export function backendInfo(): BackendInfo {
  return {
    backend: current,
    cpu: { threads: native.numThreads(), gemmKernel: native.gemmKernel(), addonPath: nativePath },
    cuda: cudaStatus(),
  };
}

/** Number of CPU threads kernels use (default: the number of cores, or TENSORNODE_NUM_THREADS). */
export function setNumThreads(threads: number): void {
  checkPositiveInteger(threads, 'threads');
  if (threads > MAX_THREADS) throw new RangeError(expected(`an integer in [1, ${MAX_THREADS}]`, 'threads', threads));
  native.setNumThreads(threads);
}

/** The most threads setNumThreads takes (the native pool checks the same bound). */
export const MAX_THREADS = 1024;

export function getNumThreads(): number {
  return native.numThreads();
}
