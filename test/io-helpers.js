// Shared by the io tests: models covering every layer type, random weights, tfjs loading.
const tn = require('..');

/** Every layer type, in small models: [name, factory, input shape, input dtype, tfjs can load it (default true)]. */
function modelZoo() {
  const L = tn.layers;
  return [
    ['dense/dropout/activation', () => tn.sequential({ layers: [
      L.dense({ units: 5, activation: 'relu', inputShape: [4] }), L.dropout({ rate: 0.3 }), L.dense({ units: 3, useBias: false, activation: 'tanh' }),
      L.activation({ activation: 'softmax' })] }), [4], 'float32'],
    ['conv2d/batchnorm/pooling/padding/upsampling', () => tn.sequential({ layers: [
      L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 2] }),
      L.batchNormalization({}), L.maxPooling2d({ poolSize: 2 }), L.zeroPadding2d({ padding: [[1, 0], [0, 1]] }),
      L.conv2d({ filters: 2, kernelSize: [2, 3], strides: [1, 2], dilationRate: 1, activation: 'elu' }),
      L.upSampling2d({ size: [2, 1] }), L.averagePooling2d({ poolSize: [2, 2], strides: 1, padding: 'same' }),
      L.globalAveragePooling2d(), L.dense({ units: 2, activation: 'sigmoid' })] }), [8, 8, 2], 'float32'],
    ['conv1d/pooling1d/global', () => tn.sequential({ layers: [
      L.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', activation: 'relu', inputShape: [10, 3] }),
      L.maxPooling1d({ poolSize: 2 }), L.conv1d({ filters: 3, kernelSize: 2, dilationRate: 2 }), L.averagePooling1d({ poolSize: 2, padding: 'same' }),
      L.globalMaxPooling1d()] }), [10, 3], 'float32', false],   // tfjs has no causal conv1d
    ['conv1d/pooling1d (tfjs-compatible)', () => tn.sequential({ layers: [
      L.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [10, 3] }),
      L.maxPooling1d({ poolSize: 2 }), L.conv1d({ filters: 3, kernelSize: 2, dilationRate: 2 }), L.averagePooling1d({ poolSize: 2, padding: 'same' }),
      L.globalMaxPooling1d()] }), [10, 3], 'float32'],
    ['conv2d/globalMax/flatten/reshape', () => tn.sequential({ layers: [
      L.conv2d({ filters: 2, kernelSize: 2, inputShape: [5, 5, 1], activation: 'selu' }), L.flatten(), L.reshape({ targetShape: [4, 8] }),
      L.globalAveragePooling1d(), L.reshape({ targetShape: [2, 2, 2] }), L.globalMaxPooling2d()] }), [5, 5, 1], 'float32'],
    ['embedding/lstm/gru', () => tn.sequential({ layers: [
      L.embedding({ inputDim: 12, outputDim: 4, maskZero: true, inputLength: 6 }),
      L.lstm({ units: 5, returnSequences: true }), L.gru({ units: 3, resetAfter: false })] }), [6], 'int32'],
    ['simpleRNN/bidirectional', () => tn.sequential({ layers: [
      L.simpleRNN({ units: 4, returnSequences: true, inputShape: [5, 3] }),
      L.bidirectional({ layer: L.lstm({ units: 3, returnSequences: true }), mergeMode: 'concat' }),
      L.bidirectional({ layer: L.gru({ units: 2, resetAfter: false }), mergeMode: 'sum' }), L.dense({ units: 2 })] }), [5, 3], 'float32'],
    ['gru resetAfter/bidirectional ave/mul', () => tn.sequential({ layers: [
      L.gru({ units: 3, returnSequences: true, inputShape: [4, 2] }), L.bidirectional({ layer: L.simpleRNN({ units: 2, returnSequences: true, activation: 'relu' }), mergeMode: 'ave' }),
      L.bidirectional({ layer: L.lstm({ units: 2, unitForgetBias: false }), mergeMode: 'mul' })] }), [4, 2], 'float32', false],   // tfjs' GRU has no resetAfter
  ];
}

let state = 12345;
function rand() {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state / 2147483648;
}

/** Sets every weight to random values (moving variances positive), so nothing is at its initial value. */
function randomizeWeights(model) {
  for (const layer of model.layers) {
    const ws = layer.getWeights().map((w, i) => {
      const name = layer.weightVariables[i].name;
      const v = Float32Array.from(w.dataSync(), () => (name.endsWith('moving_variance') ? 0.5 + rand() : (rand() - 0.5) * 0.8));
      return tn.tensor(v, w.shape);
    });
    layer.setWeights(ws);
  }
}

function sampleInput(shape, dtype, n = 3) {
  const size = n * shape.reduce((a, b) => a * b, 1);
  if (dtype === 'int32') return tn.tensor(Int32Array.from({ length: size }, (_, i) => (i % 7 === 3 ? 0 : 1 + Math.floor(rand() * 11))), [n, ...shape], 'int32');
  return tn.tensor(Float32Array.from({ length: size }, () => rand() * 2 - 1), [n, ...shape]);
}

let tfjs = null;
/** tfjs-core + tfjs-layers on the CPU backend (devDependencies), or null when not installed. */
async function loadTfjs() {
  if (tfjs) return tfjs;
  try {
    const tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-cpu');
    const tfl = require('@tensorflow/tfjs-layers');
    const origWarn = console.warn;
    await tf.setBackend('cpu');
    console.warn = origWarn;
    tfjs = { tf, tfl };
    return tfjs;
  } catch (e) {
    return null;
  }
}

function maxDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

module.exports = { modelZoo, randomizeWeights, sampleInput, loadTfjs, maxDiff, rand };
