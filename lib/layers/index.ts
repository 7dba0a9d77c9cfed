// tn.layers.*: factories with TensorFlow.js names. Each op family adds its layers here.
import { Activation, ActivationLayerArgs, Dense, DenseLayerArgs, Dropout, DropoutLayerArgs, Flatten, Reshape, ReshapeLayerArgs } from './core';
import { Layer, LayerArgs } from './layer';
import * as convLayers from './conv';
import * as poolingLayers from './pooling';
import * as normalizationLayers from './normalization';
import * as embeddingLayers from './embedding';
import * as recurrentLayers from './recurrent';
import * as wrapperLayers from './wrappers';

export { Layer, LayerArgs };
export * from './core';
export * from './conv';
export * from './pooling';
export * from './normalization';
export * from './embedding';
export * from './recurrent';
export * from './wrappers';

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
};
