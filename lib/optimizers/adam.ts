// Adam and AdamW (decoupled weight decay): Keras 3's formulas, see native/cpu/optim.cpp.
import { checkNumberInRange, checkPositiveNumber } from '../errors';
import { Optimizer } from './optimizer';

export class AdamOptimizer extends Optimizer {
  protected readonly kind: number = 1;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7) {
    super(checkPositiveNumber(learningRate, 'learningRate'));
    this.beta1 = checkNumberInRange(beta1, 'beta1', 0, 1, true, false);
    this.beta2 = checkNumberInRange(beta2, 'beta2', 0, 1, true, false);
    this.epsilon = checkPositiveNumber(epsilon, 'epsilon');
  }

  getClassName(): string {
    return 'Adam';
  }

  protected override slotNames(): string[] {
    return ['m', 'v'];
  }

  protected slotCount(): number {
    return 2;
  }

  protected hyper(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

export class AdamWOptimizer extends AdamOptimizer {
  protected override readonly kind: number = 2;
  readonly weightDecay: number;

  constructor(learningRate = 0.001, weightDecay = 0.004, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7) {
    super(learningRate, beta1, beta2, epsilon);
    this.weightDecay = checkNumberInRange(weightDecay, 'weightDecay', 0, 1);
  }

  override getClassName(): string {
    return 'AdamW';
  }

  protected override hyper(): Record<string, number | boolean> {
    return { ...super.hyper(), weightDecay: this.weightDecay };
  }
}
