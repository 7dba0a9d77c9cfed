// Which backend runs the math, and why. The CPU backend is built into the addon and always
// available. The CUDA backend is a separate plugin (issue 5, not built yet); until it exists
// tn.setBackend('cuda') fails with the reason, and backendInfo() states it.
import { checkOneOf, checkPositiveInteger } from './errors';
import { native, nativePath } from './native';

export type BackendName = 'cpu' | 'cuda';

export interface BackendInfo {
  backend: BackendName;
  cpu: { threads: number; gemmKernel: string; addonPath: string };
  cuda: { available: boolean; reason: string };
}

const CUDA_UNAVAILABLE = 'tensornode was built without the CUDA plugin (not implemented yet in this version); running on the CPU';

let current: BackendName = 'cpu';

function initialBackend(): void {
  const requested = process.env.TENSORNODE_BACKEND;
  if (requested === undefined || requested === '') return;
  if (requested !== 'cpu' && requested !== 'cuda') {
    throw new TypeError(`TENSORNODE_BACKEND must be 'cpu' or 'cuda' but is '${requested}'`);
  }
  if (requested === 'cuda') {
    // An explicit request that cannot be met is reported, not silently ignored.
    process.emitWarning(`TENSORNODE_BACKEND=cuda: ${CUDA_UNAVAILABLE}`);
  }
}
initialBackend();

export function getBackend(): BackendName {
  return current;
}

export function setBackend(name: BackendName): void {
  const b = checkOneOf(name, 'backend', ['cpu', 'cuda'] as const);
  if (b === 'cuda') throw new Error(`Cannot use the cuda backend: ${CUDA_UNAVAILABLE}`);
  current = b;
}

export function backendInfo(): BackendInfo {
  return {
    backend: current,
    cpu: { threads: native.numThreads(), gemmKernel: native.gemmKernel(), addonPath: nativePath },
    cuda: { available: false, reason: CUDA_UNAVAILABLE },
  };
}

/** Number of CPU threads kernels use (default: the number of cores, or TENSORNODE_NUM_THREADS). */
export function setNumThreads(threads: number): void {
  native.setNumThreads(checkPositiveInteger(threads, 'threads'));
}

export function getNumThreads(): number {
  return native.numThreads();
}
