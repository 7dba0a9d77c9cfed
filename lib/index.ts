// tensornode: the public API. Names follow TensorFlow.js so its code ports by changing the import.
export { Tensor, tensor, tensor1d, tensor2d, tensor3d, tensor4d, scalar, zeros, ones, fill, dispose } from './tensor';
export type { DType, TypedArray, NestedArray } from './tensor';
export { setSeed } from './random';
// The engine: tfjs-core ops (functions and chainable Tensor methods), autograd, variables, memory.
export * from './ops';
export { memory, tidy, keep } from './engine/memory';
export type { MemoryInfo } from './engine/memory';
export { Variable, variable } from './engine/variable';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, customGrad } from './engine/gradients';
export type { NamedTensorMap, CustomGradientFunc } from './engine/gradients';
export { registerKernel, registerBackend, opNames } from './engine/registry';
export type { Kernel, Backend } from './engine/registry';
export { registerGradient } from './engine/tape';
export * as util from './util';
export { nextFrame } from './util';
export { layers, Layer } from './layers';
export type { LayerArgs } from './layers';
export * as layerClasses from './layers';
export { LayerVariable } from './layers/layer';
export { Sequential, sequential } from './models/sequential';
export { LayersModel, model } from './models/model';
export { Functional, InputLayer, input } from './models/functional';
export type { ModelArgs, InputConfig } from './models/functional';
export { SymbolicTensor } from './layers/topology';
export type { SequentialArgs } from './models/sequential';
export { History } from './models/training';
export type { ModelCompileArgs, ModelFitArgs, ModelEvaluateArgs, ModelPredictArgs } from './models/training';
export { train, Optimizer } from './optimizers';
export { initializers } from './initializers';
export type { Initializer } from './initializers';
export { regularizers } from './regularizers';
export type { Regularizer } from './regularizers';
export { constraints } from './constraints';
export type { Constraint } from './constraints';
export { callbacks, Callback, EarlyStopping } from './callbacks';
export type { CallbackHooks, Logs } from './callbacks';
export { CustomCallback } from './callbacks';
export type { CustomCallbackArgs, EarlyStoppingArgs } from './callbacks';
export * as node from './tensorboard/node';
export * as vis from './vis';
export { getBackend, setBackend, backendInfo, setNumThreads, getNumThreads } from './backend';
export type { BackendName, BackendInfo } from './backend';
export * as data from './data';
export type { IdxOptions } from './data/idx';
export type { CSVConfig, ColumnConfig } from './data/csv';
export type { ImageDatasetFromDirectoryArgs } from './data/images';
export { Dataset } from './data/dataset';
export * as preprocessing from './preprocessing';
export * as io from './io';
export { loadLayersModel } from './io/model_io';
export type { ModelFitDatasetArgs, ModelEvaluateDatasetArgs, ModelPredictDatasetArgs } from './models/dataset_training';
/**
 * The native addon's functions, for tests, benchmarks and experiments: an internal escape hatch,
 * not part of the public API (names and signatures change without notice). It is as safe as the
 * public API: every function checks its arguments' types and every buffer length against its
 * size arguments with checked arithmetic, and throws a RangeError/TypeError naming the function
 * and the argument (See Note [Checked sizes at the native boundary]; test/native-fuzz.test.js).
 */
export { native as _native } from './native';

export const version = '0.1.0';
