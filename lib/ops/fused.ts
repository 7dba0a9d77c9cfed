// tfjs' tf.fused namespace: ops with bias and activation fused into the kernel (tn.fused.*).
export { fusedConv2d as conv2d } from './conv';
