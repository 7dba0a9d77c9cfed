// The op registry: op ids come from the native op table (native/core/ops.def, exported by the
// addon as opTable()), kernels are registered per backend, and runKernel() is the one place an
// op runs: it allocates the outputs, calls the backend's kernel and lets the tape record it.
//
// Note [Kernels and backends]
// A Kernel receives freshly allocated outputs and live inputs and writes every output in
// full. The 'cpu' backend registers one kernel per entry of the op table, each a single call
// into the addon's generic dispatch (runOp), which re-checks every buffer against its shape
// (native/addon/glue_dispatch.cpp). A backend says what it cannot run with supports(); the
// dispatch then uses the CPU kernel instead, by rule. Only the CPU backend exists in this
// engine so far: CPU tensors are typed arrays, so no copies are needed.
import { native } from '../native';
import { DType, Tensor, TypedArray, arrayTypeOf, sizeOf } from '../tensor';
import { recordOp } from './tape';

export type Kernel = (outputs: Tensor[], inputs: Tensor[], attrs: readonly number[]) => void;

export interface Backend {
  readonly name: string;
  /** true, or why this backend cannot run the op on these inputs (then the CPU runs it). */
  supports(op: string, inputs: readonly Tensor[], attrs: readonly number[]): true | string;
}

/** The op names of the native op table, in id order. */
export const opNames: readonly string[] = native.opTable();
const opIds = new Map<string, number>(opNames.map((name, id) => [name, id]));

/** The id of a native op ("add" -> its place in ops.def). */
export function opId(op: string): number {
  const id = opIds.get(op);
  if (id === undefined) throw new Error(`'${op}' is not an op of the native op table`);
  return id;
}

const backends = new Map<string, Backend>();
const kernels = new Map<string, Map<string, Kernel>>();

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
  if (!kernels.has(backend.name)) kernels.set(backend.name, new Map());
}

/** Registers the kernel of op on a backend (as tfjs-core's registerKernel); a second one is an error. */
export function registerKernel(op: string, backend: string, kernel: Kernel): void {
  const table = kernels.get(backend);
  if (table === undefined) throw new Error(`registerKernel: no backend '${backend}' (known: ${[...kernels.keys()].join(', ')})`);
  if (table.has(op)) throw new Error(`registerKernel: '${op}' already has a kernel on '${backend}'`);
  table.set(op, kernel);
}

export function getKernel(op: string, backend: string): Kernel | undefined {
  return kernels.get(backend)?.get(op);
}

// The CPU backend: every op of the native table, through the generic dispatch.
registerBackend({ name: 'cpu', supports: () => true });
for (const op of opNames) {
  const id = opId(op);
  registerKernel(op, 'cpu', (outputs, inputs, attrs) => {
    const tensors: TypedArray[] = [];
    let shapeLength = 0;
    for (const t of outputs) shapeLength += 1 + t.rank;
    for (const t of inputs) shapeLength += 1 + t.rank;
    const shapes = new Int32Array(shapeLength);
    let at = 0;
    const add = (t: Tensor): void => {
      tensors.push(t.values);
      shapes[at++] = t.rank;
      for (const d of t.shape) shapes[at++] = d;
    };
    outputs.forEach(add);
    inputs.forEach(add);
    native.runOp(id, tensors, outputs.length, shapes, attrs.length > 0 ? Float64Array.from(attrs) : null);
  });
}

// The backend ops run on. Only 'cpu' exists until a device backend registers its kernels (and
// a way to choose it is added with it).
const current = 'cpu';

export interface OutputSpec {
  shape: number[];
  dtype: DType;
}

/**
 * Runs op: allocates its outputs, runs the current backend's kernel (the CPU's when the backend
 * lacks it or says it cannot), and records the op on the tape when gradients are wanted.
 */
export function runKernel(op: string, inputs: Tensor[], outputs: OutputSpec[], attrs: readonly number[] = []): Tensor[] {
  const outs = outputs.map((o) => new Tensor(new (arrayTypeOf(o.dtype))(sizeOf(o.shape)), o.shape, o.dtype));
  let kernel = getKernel(op, current);
  if (kernel === undefined || backends.get(current)!.supports(op, inputs, attrs) !== true) kernel = getKernel(op, 'cpu');
  if (kernel === undefined) throw new Error(`No kernel for op '${op}'`);
  kernel(outs, inputs, attrs);
  recordOp(op, inputs, outs, attrs);
  return outs;
}

/** runKernel for a single-output op. */
export function run1(op: string, inputs: Tensor[], shape: number[], dtype: DType, attrs: readonly number[] = []): Tensor {
  return runKernel(op, inputs, [{ shape, dtype }], attrs)[0];
}
