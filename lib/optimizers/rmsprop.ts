// RMSprop (uncentered), with optional momentum: Keras 3 / TensorFlow.js formulas, see
// native/cpu/optim.cpp.
import { checkNumberInRange, checkPositiveNumber, expected } from '../errors';
import { Optimizer } from './optimizer';

export class RMSPropOptimizer extends Optimizer {
  protected readonly kind = 3;
  readonly decay: number;
  readonly momentum: number;
  readonly epsilon: number;

  constructor(learningRate = 0.001, decay = 0.9, momentum = 0, epsilon = 1e-7, centered = false) {
    super(checkPositiveNumber(learningRate, 'learningRate'));
    this.decay = checkNumberInRange(decay, 'decay', 0, 1, true, false);
    this.momentum = checkNumberInRange(momentum, 'momentum', 0, 1, true, false);
    this.epsilon = checkPositiveNumber(epsilon, 'epsilon');
    if (centered !== false) throw new TypeError(expected('false (centered RMSprop is not implemented yet)', 'centered', centered));
  }

  getClassName(): string {
    return 'RMSProp';
  }

  protected override slotNames(): string[] {
    return ['rms', 'momentum'];
  }

  protected slotCount(): number {
    return this.momentum > 0 ? 2 : 1;
  }

  protected hyper(): Record<string, number | boolean> {
    return { rho: this.decay, momentum: this.momentum, epsilon: this.epsilon };
  }
}
