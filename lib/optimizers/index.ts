// tn.train.* factories (TensorFlow.js names and argument order) and string resolution.
import { expected } from '../errors';
import { AdamOptimizer, AdamWOptimizer } from './adam';
import { Optimizer } from './optimizer';
import { RMSPropOptimizer } from './rmsprop';
import { SGDOptimizer } from './sgd';

export { Optimizer, SGDOptimizer, AdamOptimizer, AdamWOptimizer, RMSPropOptimizer };

export const train = {
  sgd: (learningRate: number) => new SGDOptimizer(learningRate),
  momentum: (learningRate: number, momentum: number, useNesterov = false) => new SGDOptimizer(learningRate, momentum, useNesterov),
  adam: (learningRate?: number, beta1?: number, beta2?: number, epsilon?: number) =>
    new AdamOptimizer(learningRate, beta1, beta2, epsilon),
  adamw: (learningRate?: number, weightDecay?: number, beta1?: number, beta2?: number, epsilon?: number) =>
    new AdamWOptimizer(learningRate, weightDecay, beta1, beta2, epsilon),
  rmsprop: (learningRate?: number, decay?: number, momentum?: number, epsilon?: number, centered?: boolean) =>
    new RMSPropOptimizer(learningRate, decay, momentum, epsilon, centered),
};

/** 'sgd' | 'adam' | 'adamw' | 'rmsprop' (Keras defaults) or an Optimizer. */
export function resolveOptimizer(value: unknown): Optimizer {
  if (value instanceof Optimizer) return value;
  switch (value) {
    case 'sgd': return new SGDOptimizer(0.01);
    case 'adam': return new AdamOptimizer();
    case 'adamw': return new AdamWOptimizer();
    case 'rmsprop': return new RMSPropOptimizer();
    default:
      throw new TypeError(expected("an optimizer ('sgd', 'adam', 'adamw', 'rmsprop' or tn.train.*(…))", 'optimizer', value));
  }
}
