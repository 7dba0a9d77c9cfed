// SGD, with optional (Nesterov) momentum: Keras 3's formulas, see native/cpu/optim.cpp.
import { checkBoolean, checkNumberInRange, checkPositiveNumber } from '../errors';
import { Optimizer } from './optimizer';

export class SGDOptimizer extends Optimizer {
  protected readonly kind = 0;
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(learningRate: number, momentum = 0, nesterov = false) {
    super(checkPositiveNumber(learningRate, 'learningRate'));
    this.momentum = checkNumberInRange(momentum, 'momentum', 0, 1, true, false);
    this.nesterov = checkBoolean(nesterov, 'useNesterov');
  }

  getClassName(): string {
    return this.momentum > 0 ? 'Momentum' : 'SGD';
  }

  protected override slotNames(): string[] {
    return ['momentum'];
  }

  protected slotCount(): number {
    return this.momentum > 0 ? 1 : 0;
  }

  protected hyper(): Record<string, number | boolean> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}
