// tfjs' tf.fused namespace: ops with a bias and an activation in the same kernel.
export { fusedMatMul as matMul } from './dense';
export type { FusedMatMulArgs } from './dense';
export { fusedConv2d as conv2d } from './conv';
