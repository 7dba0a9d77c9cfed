// Chainable Tensor methods (x.add(y), x.sum(1), x.reshape([2, -1]) ...), as tfjs: each calls the op
// of the same name with the tensor first. Installed on Tensor.prototype when lib/ops loads.
import { Tensor } from '../tensor';
import * as elementwise from './elementwise';
import * as reduce from './reduce';
import * as shape from './shape';
import * as linalg from './linalg';
import * as nn from './nn';
import { TensorLike } from './util';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Op = (x: Tensor, ...rest: any[]) => any;
const ops: Record<string, Op> = {
  add: elementwise.add as Op,
  sub: elementwise.sub as Op,
  mul: elementwise.mul as Op,
  div: elementwise.div as Op,
  floorDiv: elementwise.floorDiv as Op,
  mod: elementwise.mod as Op,
  pow: elementwise.pow as Op,
  maximum: elementwise.maximum as Op,
  minimum: elementwise.minimum as Op,
  squaredDifference: elementwise.squaredDifference as Op,
  atan2: elementwise.atan2 as Op,
  neg: elementwise.neg as Op,
  abs: elementwise.abs as Op,
  sign: elementwise.sign as Op,
  square: elementwise.square as Op,
  sqrt: elementwise.sqrt as Op,
  rsqrt: elementwise.rsqrt as Op,
  exp: elementwise.exp as Op,
  expm1: elementwise.expm1 as Op,
  log: elementwise.log as Op,
  log1p: elementwise.log1p as Op,
  reciprocal: elementwise.reciprocal as Op,
  floor: elementwise.floor as Op,
  ceil: elementwise.ceil as Op,
  round: elementwise.round as Op,
  sin: elementwise.sin as Op,
  cos: elementwise.cos as Op,
  tan: elementwise.tan as Op,
  asin: elementwise.asin as Op,
  acos: elementwise.acos as Op,
  atan: elementwise.atan as Op,
  sinh: elementwise.sinh as Op,
  cosh: elementwise.cosh as Op,
  erf: elementwise.erf as Op,
  isNaN: elementwise.isNaN as Op,
  isFinite: elementwise.isFinite as Op,
  isInf: elementwise.isInf as Op,
  logicalNot: elementwise.logicalNot as Op,
  cast: elementwise.cast as Op,
  clipByValue: elementwise.clipByValue as Op,
  relu: elementwise.relu as Op,
  relu6: elementwise.relu6 as Op,
  sigmoid: elementwise.sigmoid as Op,
  tanh: elementwise.tanh as Op,
  elu: elementwise.elu as Op,
  selu: elementwise.selu as Op,
  softplus: elementwise.softplus as Op,
  softsign: elementwise.softsign as Op,
  gelu: elementwise.gelu as Op,
  swish: elementwise.swish as Op,
  leakyRelu: elementwise.leakyRelu as Op,
  prelu: elementwise.prelu as Op,
  softmax: elementwise.softmax as Op,
  equal: elementwise.equal as Op,
  notEqual: elementwise.notEqual as Op,
  greater: elementwise.greater as Op,
  greaterEqual: elementwise.greaterEqual as Op,
  less: elementwise.less as Op,
  lessEqual: elementwise.lessEqual as Op,
  logicalAnd: elementwise.logicalAnd as Op,
  logicalOr: elementwise.logicalOr as Op,
  logicalXor: elementwise.logicalXor as Op,
  broadcastTo: elementwise.broadcastTo as Op,
  sum: reduce.sum as Op,
  mean: reduce.mean as Op,
  prod: reduce.prod as Op,
  max: reduce.max as Op,
  min: reduce.min as Op,
  argMax: reduce.argMax as Op,
  argMin: reduce.argMin as Op,
  any: reduce.any as Op,
  all: reduce.all as Op,
  logSumExp: reduce.logSumExp as Op,
  norm: reduce.norm as Op,
  cumsum: reduce.cumsum as Op,
  reshape: shape.reshape as Op,
  expandDims: shape.expandDims as Op,
  squeeze: shape.squeeze as Op,
  flatten: shape.flatten as Op,
  clone: shape.clone as Op,
  transpose: shape.transpose as Op,
  slice: shape.slice as Op,
  stridedSlice: shape.stridedSlice as Op,
  unstack: shape.unstack as Op,
  split: shape.split as Op,
  gather: shape.gather as Op,
  gatherND: shape.gatherND as Op,
  tile: shape.tile as Op,
  pad: shape.pad as Op,
  reverse: shape.reverse as Op,
  matMul: linalg.matMul as Op,
  dot: linalg.dot as Op,
  logSoftmax: nn.logSoftmax as Op,
};
for (const [name, op] of Object.entries(ops)) {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...rest: unknown[]) { return op(this, ...rest); },
    writable: true, configurable: true, enumerable: false,
  });
}
// tfjs' concat and stack as methods take the other tensors after this one.
Object.defineProperty(Tensor.prototype, 'concat', {
  value: function (this: Tensor, x: TensorLike | TensorLike[], axis?: number) {
    return shape.concat([this, ...(Array.isArray(x) && x.length > 0 && x[0] instanceof Tensor ? (x as TensorLike[]) : [x as TensorLike])], axis);
  }, writable: true, configurable: true, enumerable: false,
});
Object.defineProperty(Tensor.prototype, 'stack', {
  value: function (this: Tensor, x: TensorLike | TensorLike[], axis?: number) {
    return shape.stack([this, ...(Array.isArray(x) && x.length > 0 && x[0] instanceof Tensor ? (x as TensorLike[]) : [x as TensorLike])], axis);
  }, writable: true, configurable: true, enumerable: false,
});
for (const [name, rank] of [['asScalar', 0], ['as1D', 1], ['as2D', 2], ['as3D', 3], ['as4D', 4], ['as5D', 5]] as const) {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...dims: number[]) {
      if (rank === 1 && dims.length === 0) return shape.reshape(this, [this.size]);
      if (dims.length !== rank) throw new RangeError(`${name} needs ${rank} dimensions but received ${dims.length}`);
      return shape.reshape(this, dims);
    }, writable: true, configurable: true, enumerable: false,
  });
}
for (const [name, dtype] of [['toFloat', 'float32'], ['toInt', 'int32'], ['toBool', 'bool']] as const) {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor) { return elementwise.cast(this, dtype); }, writable: true, configurable: true, enumerable: false,
  });
}

// The methods' types, merged into the Tensor class.
type Rest<F> = F extends (x: any, ...rest: infer R) => any ? R : never;
type Ret<F> = F extends (...args: any[]) => infer R ? R : never;
declare module '../tensor' {
  interface Tensor {
    add(...args: Rest<typeof elementwise.add>): Ret<typeof elementwise.add>;
    sub(...args: Rest<typeof elementwise.sub>): Ret<typeof elementwise.sub>;
    mul(...args: Rest<typeof elementwise.mul>): Ret<typeof elementwise.mul>;
    div(...args: Rest<typeof elementwise.div>): Ret<typeof elementwise.div>;
    floorDiv(...args: Rest<typeof elementwise.floorDiv>): Ret<typeof elementwise.floorDiv>;
    mod(...args: Rest<typeof elementwise.mod>): Ret<typeof elementwise.mod>;
    pow(...args: Rest<typeof elementwise.pow>): Ret<typeof elementwise.pow>;
    maximum(...args: Rest<typeof elementwise.maximum>): Ret<typeof elementwise.maximum>;
    minimum(...args: Rest<typeof elementwise.minimum>): Ret<typeof elementwise.minimum>;
    squaredDifference(...args: Rest<typeof elementwise.squaredDifference>): Ret<typeof elementwise.squaredDifference>;
    atan2(...args: Rest<typeof elementwise.atan2>): Ret<typeof elementwise.atan2>;
    neg(...args: Rest<typeof elementwise.neg>): Ret<typeof elementwise.neg>;
    abs(...args: Rest<typeof elementwise.abs>): Ret<typeof elementwise.abs>;
    sign(...args: Rest<typeof elementwise.sign>): Ret<typeof elementwise.sign>;
    square(...args: Rest<typeof elementwise.square>): Ret<typeof elementwise.square>;
    sqrt(...args: Rest<typeof elementwise.sqrt>): Ret<typeof elementwise.sqrt>;
    rsqrt(...args: Rest<typeof elementwise.rsqrt>): Ret<typeof elementwise.rsqrt>;
    exp(...args: Rest<typeof elementwise.exp>): Ret<typeof elementwise.exp>;
    expm1(...args: Rest<typeof elementwise.expm1>): Ret<typeof elementwise.expm1>;
    log(...args: Rest<typeof elementwise.log>): Ret<typeof elementwise.log>;
    log1p(...args: Rest<typeof elementwise.log1p>): Ret<typeof elementwise.log1p>;
    reciprocal(...args: Rest<typeof elementwise.reciprocal>): Ret<typeof elementwise.reciprocal>;
    floor(...args: Rest<typeof elementwise.floor>): Ret<typeof elementwise.floor>;
    ceil(...args: Rest<typeof elementwise.ceil>): Ret<typeof elementwise.ceil>;
    round(...args: Rest<typeof elementwise.round>): Ret<typeof elementwise.round>;
    sin(...args: Rest<typeof elementwise.sin>): Ret<typeof elementwise.sin>;
    cos(...args: Rest<typeof elementwise.cos>): Ret<typeof elementwise.cos>;
    tan(...args: Rest<typeof elementwise.tan>): Ret<typeof elementwise.tan>;
    asin(...args: Rest<typeof elementwise.asin>): Ret<typeof elementwise.asin>;
    acos(...args: Rest<typeof elementwise.acos>): Ret<typeof elementwise.acos>;
    atan(...args: Rest<typeof elementwise.atan>): Ret<typeof elementwise.atan>;
    sinh(...args: Rest<typeof elementwise.sinh>): Ret<typeof elementwise.sinh>;
    cosh(...args: Rest<typeof elementwise.cosh>): Ret<typeof elementwise.cosh>;
    erf(...args: Rest<typeof elementwise.erf>): Ret<typeof elementwise.erf>;
    isNaN(...args: Rest<typeof elementwise.isNaN>): Ret<typeof elementwise.isNaN>;
    isFinite(...args: Rest<typeof elementwise.isFinite>): Ret<typeof elementwise.isFinite>;
    isInf(...args: Rest<typeof elementwise.isInf>): Ret<typeof elementwise.isInf>;
    logicalNot(...args: Rest<typeof elementwise.logicalNot>): Ret<typeof elementwise.logicalNot>;
    cast(...args: Rest<typeof elementwise.cast>): Ret<typeof elementwise.cast>;
    clipByValue(...args: Rest<typeof elementwise.clipByValue>): Ret<typeof elementwise.clipByValue>;
    relu(...args: Rest<typeof elementwise.relu>): Ret<typeof elementwise.relu>;
    relu6(...args: Rest<typeof elementwise.relu6>): Ret<typeof elementwise.relu6>;
    sigmoid(...args: Rest<typeof elementwise.sigmoid>): Ret<typeof elementwise.sigmoid>;
    tanh(...args: Rest<typeof elementwise.tanh>): Ret<typeof elementwise.tanh>;
    elu(...args: Rest<typeof elementwise.elu>): Ret<typeof elementwise.elu>;
    selu(...args: Rest<typeof elementwise.selu>): Ret<typeof elementwise.selu>;
    softplus(...args: Rest<typeof elementwise.softplus>): Ret<typeof elementwise.softplus>;
    softsign(...args: Rest<typeof elementwise.softsign>): Ret<typeof elementwise.softsign>;
    gelu(...args: Rest<typeof elementwise.gelu>): Ret<typeof elementwise.gelu>;
    swish(...args: Rest<typeof elementwise.swish>): Ret<typeof elementwise.swish>;
    leakyRelu(...args: Rest<typeof elementwise.leakyRelu>): Ret<typeof elementwise.leakyRelu>;
    prelu(...args: Rest<typeof elementwise.prelu>): Ret<typeof elementwise.prelu>;
    softmax(...args: Rest<typeof elementwise.softmax>): Ret<typeof elementwise.softmax>;
    equal(...args: Rest<typeof elementwise.equal>): Ret<typeof elementwise.equal>;
    notEqual(...args: Rest<typeof elementwise.notEqual>): Ret<typeof elementwise.notEqual>;
    greater(...args: Rest<typeof elementwise.greater>): Ret<typeof elementwise.greater>;
    greaterEqual(...args: Rest<typeof elementwise.greaterEqual>): Ret<typeof elementwise.greaterEqual>;
    less(...args: Rest<typeof elementwise.less>): Ret<typeof elementwise.less>;
    lessEqual(...args: Rest<typeof elementwise.lessEqual>): Ret<typeof elementwise.lessEqual>;
    logicalAnd(...args: Rest<typeof elementwise.logicalAnd>): Ret<typeof elementwise.logicalAnd>;
    logicalOr(...args: Rest<typeof elementwise.logicalOr>): Ret<typeof elementwise.logicalOr>;
    logicalXor(...args: Rest<typeof elementwise.logicalXor>): Ret<typeof elementwise.logicalXor>;
    broadcastTo(...args: Rest<typeof elementwise.broadcastTo>): Ret<typeof elementwise.broadcastTo>;
    sum(...args: Rest<typeof reduce.sum>): Ret<typeof reduce.sum>;
    mean(...args: Rest<typeof reduce.mean>): Ret<typeof reduce.mean>;
    prod(...args: Rest<typeof reduce.prod>): Ret<typeof reduce.prod>;
    max(...args: Rest<typeof reduce.max>): Ret<typeof reduce.max>;
    min(...args: Rest<typeof reduce.min>): Ret<typeof reduce.min>;
    argMin(...args: Rest<typeof reduce.argMin>): Ret<typeof reduce.argMin>;
    any(...args: Rest<typeof reduce.any>): Ret<typeof reduce.any>;
    all(...args: Rest<typeof reduce.all>): Ret<typeof reduce.all>;
    logSumExp(...args: Rest<typeof reduce.logSumExp>): Ret<typeof reduce.logSumExp>;
    norm(...args: Rest<typeof reduce.norm>): Ret<typeof reduce.norm>;
    cumsum(...args: Rest<typeof reduce.cumsum>): Ret<typeof reduce.cumsum>;
    expandDims(...args: Rest<typeof shape.expandDims>): Ret<typeof shape.expandDims>;
    squeeze(...args: Rest<typeof shape.squeeze>): Ret<typeof shape.squeeze>;
    flatten(...args: Rest<typeof shape.flatten>): Ret<typeof shape.flatten>;
    transpose(...args: Rest<typeof shape.transpose>): Ret<typeof shape.transpose>;
    slice(...args: Rest<typeof shape.slice>): Ret<typeof shape.slice>;
    stridedSlice(...args: Rest<typeof shape.stridedSlice>): Ret<typeof shape.stridedSlice>;
    unstack(...args: Rest<typeof shape.unstack>): Ret<typeof shape.unstack>;
    split(...args: Rest<typeof shape.split>): Ret<typeof shape.split>;
    gather(...args: Rest<typeof shape.gather>): Ret<typeof shape.gather>;
    gatherND(...args: Rest<typeof shape.gatherND>): Ret<typeof shape.gatherND>;
    tile(...args: Rest<typeof shape.tile>): Ret<typeof shape.tile>;
    pad(...args: Rest<typeof shape.pad>): Ret<typeof shape.pad>;
    reverse(...args: Rest<typeof shape.reverse>): Ret<typeof shape.reverse>;
    matMul(...args: Rest<typeof linalg.matMul>): Ret<typeof linalg.matMul>;
    dot(...args: Rest<typeof linalg.dot>): Ret<typeof linalg.dot>;
    logSoftmax(...args: Rest<typeof nn.logSoftmax>): Ret<typeof nn.logSoftmax>;
    concat(x: TensorLike | TensorLike[], axis?: number): Tensor;
    stack(x: TensorLike | TensorLike[], axis?: number): Tensor;
    asScalar(): Tensor;
    as1D(): Tensor;
    as2D(rows: number, columns: number): Tensor;
    as3D(rows: number, columns: number, depth: number): Tensor;
    as4D(rows: number, columns: number, depth: number, depth2: number): Tensor;
    as5D(rows: number, columns: number, depth: number, depth2: number, depth3: number): Tensor;
    toFloat(): Tensor;
    toInt(): Tensor;
    toBool(): Tensor;
  }
}
