// tn.layers.*: factories with TensorFlow.js names. Each op family adds its layers here.
import { Activation, ActivationLayerArgs, Dense, DenseLayerArgs, Dropout, DropoutLayerArgs, Flatten, Reshape, ReshapeLayerArgs } from './core';
import { Layer, LayerArgs } from './layer';
import * as convLayers from './conv';
import * as poolingLayers from './pooling';
import * as normalizationLayers from './normalization';
import * as embeddingLayers from './embedding';
import * as recurrentLayers from './recurrent';
import * as wrapperLayers from './wrappers';
import * as mergeLayers from './merge';
import * as reshapingLayers from './reshaping';
import * as timeDistributedLayers from './time_distributed';
import type { Tensor } from '../tensor';
import type { SymbolicTensor } from './topology';

export { Layer, LayerArgs };
export * from './core';
export * from './conv';
export * from './pooling';
export * from './normalization';
export * from './embedding';
export * from './recurrent';
export * from './wrappers';
export * from './merge';
export * from './reshaping';
export * from './time_distributed';

/**
 * A merge layer's factory, as tfjs: called with options, a new layer; called with a list of
 * tensors (or symbolic tensors), the new layer applied to them (tfjs' tf.layers.add([a, b])
 * form of Keras' keras.layers.add([a, b])).
 */
function mergeFactory<A extends LayerArgs>(make: (args?: A) => Layer) {
  function factory(args?: A): Layer;
  function factory(inputs: Tensor[]): Tensor;
  function factory(inputs: SymbolicTensor[]): SymbolicTensor;
  function factory(argsOrInputs?: A | Tensor[] | SymbolicTensor[]): Layer | Tensor | SymbolicTensor {
    if (Array.isArray(argsOrInputs)) return make().apply(argsOrInputs) as Tensor | SymbolicTensor;
    return make(argsOrInputs);
  }
  return factory;
}

export const layers = {
  /** The base class to subclass for a custom layer (tfjs' tf.layers.Layer). */
  Layer,
  dense: (args: DenseLayerArgs) => new Dense(args),
  activation: (args: ActivationLayerArgs) => new Activation(args),
  flatten: (args: LayerArgs = {}) => new Flatten(args),
  reshape: (args: ReshapeLayerArgs) => new Reshape(args),
  dropout: (args: DropoutLayerArgs) => new Dropout(args),
  // convolution, pooling, normalization
  conv2d: (args: convLayers.ConvLayerArgs) => new convLayers.Conv2D(args),
  conv1d: (args: convLayers.ConvLayerArgs) => new convLayers.Conv1D(args),
  zeroPadding2d: (args?: convLayers.ZeroPadding2DLayerArgs) => new convLayers.ZeroPadding2D(args),
  upSampling2d: (args?: convLayers.UpSampling2DLayerArgs) => new convLayers.UpSampling2D(args),
  maxPooling2d: (args?: poolingLayers.Pooling2DLayerArgs) => new poolingLayers.MaxPooling2D(args),
  averagePooling2d: (args?: poolingLayers.Pooling2DLayerArgs) => new poolingLayers.AveragePooling2D(args),
  maxPooling1d: (args?: poolingLayers.Pooling1DLayerArgs) => new poolingLayers.MaxPooling1D(args),
  averagePooling1d: (args?: poolingLayers.Pooling1DLayerArgs) => new poolingLayers.AveragePooling1D(args),
  globalAveragePooling2d: (args?: LayerArgs) => new poolingLayers.GlobalAveragePooling2D(args),
  globalMaxPooling2d: (args?: LayerArgs) => new poolingLayers.GlobalMaxPooling2D(args),
  globalAveragePooling1d: (args?: LayerArgs) => new poolingLayers.GlobalAveragePooling1D(args),
  globalMaxPooling1d: (args?: LayerArgs) => new poolingLayers.GlobalMaxPooling1D(args),
  batchNormalization: (args?: normalizationLayers.BatchNormalizationLayerArgs) => new normalizationLayers.BatchNormalization(args),
  // embedding and recurrent
  embedding: (args: embeddingLayers.EmbeddingLayerArgs) => new embeddingLayers.Embedding(args),
  simpleRNN: (args: recurrentLayers.SimpleRNNLayerArgs) => new recurrentLayers.SimpleRNN(args),
  lstm: (args: recurrentLayers.LSTMLayerArgs) => new recurrentLayers.LSTM(args),
  gru: (args: recurrentLayers.GRULayerArgs) => new recurrentLayers.GRU(args),
  bidirectional: (args: wrapperLayers.BidirectionalLayerArgs) => new wrapperLayers.Bidirectional(args),
  timeDistributed: (args: timeDistributedLayers.TimeDistributedLayerArgs) => new timeDistributedLayers.TimeDistributed(args),
  // merging (each also takes a list of tensors: tn.layers.add([a, b]))
  add: mergeFactory((args?: LayerArgs) => new mergeLayers.Add(args)),
  subtract: mergeFactory((args?: LayerArgs) => new mergeLayers.Subtract(args)),
  multiply: mergeFactory((args?: LayerArgs) => new mergeLayers.Multiply(args)),
  average: mergeFactory((args?: LayerArgs) => new mergeLayers.Average(args)),
  maximum: mergeFactory((args?: LayerArgs) => new mergeLayers.Maximum(args)),
  minimum: mergeFactory((args?: LayerArgs) => new mergeLayers.Minimum(args)),
  concatenate: mergeFactory((args?: mergeLayers.ConcatenateLayerArgs) => new mergeLayers.Concatenate(args)),
  dot: (args: mergeLayers.DotLayerArgs) => new mergeLayers.Dot(args),
  // reshaping
  repeatVector: (args: reshapingLayers.RepeatVectorLayerArgs) => new reshapingLayers.RepeatVector(args),
  permute: (args: reshapingLayers.PermuteLayerArgs) => new reshapingLayers.Permute(args),
};
