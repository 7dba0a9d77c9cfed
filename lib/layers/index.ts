// tn.layers.*: factories with TensorFlow.js names. Each op family adds its layers here.
import { Activation, ActivationLayerArgs, Dense, DenseLayerArgs, Dropout, DropoutLayerArgs, Flatten, Reshape, ReshapeLayerArgs } from './core';
import { Layer, LayerArgs } from './layer';

export { Layer, LayerArgs };
export * from './core';

export const layers = {
  dense: (args: DenseLayerArgs) => new Dense(args),
  activation: (args: ActivationLayerArgs) => new Activation(args),
  flatten: (args: LayerArgs = {}) => new Flatten(args),
  reshape: (args: ReshapeLayerArgs) => new Reshape(args),
  dropout: (args: DropoutLayerArgs) => new Dropout(args),
  // conv layers (issue 3) go below this line
  // recurrent and embedding layers (issue 4) go below this line
};
