// The model of the kill test: weight j of version v holds v·16 + j everywhere, so a loaded
// model tells which version each of its weights came from (a mix of versions is visible).
'use strict';
const tn = require('..');

function killModel() {
  return tn.sequential({ name: 'killed', layers: [
    tn.layers.dense({ units: 64, inputShape: [32], name: 'a' }), tn.layers.batchNormalization({ name: 'bn' }),
    tn.layers.dense({ units: 128, name: 'b' }), tn.layers.dense({ units: 10, name: 'c' })] });
}

function setVersion(model, v) {
  model.setWeights(model.getWeights().map((w, j) => tn.fill(w.shape, v * 16 + j)));
}

/** The version of a loaded model, or an error when its weights come from different versions. */
function versionOf(model) {
  const versions = new Set();
  model.getWeights().forEach((w, j) => {
    const d = w.dataSync();
    const v = (d[0] - j) / 16;
    if (!Number.isInteger(v) || d.some((x) => x !== d[0])) throw new Error(`weight ${j} is not one version's: ${d[0]}`);
    versions.add(v);
  });
  if (versions.size !== 1) throw new Error(`weights of versions ${[...versions].join(', ')} mixed`);
  return [...versions][0];
}

module.exports = { killModel, setVersion, versionOf };
