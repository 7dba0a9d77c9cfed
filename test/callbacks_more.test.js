// earlyStopping with Keras 3's rules (patience, minDelta, mode, baseline, startFromEpoch,
// restoreBestWeights, verbose) and tfjs' CustomCallback.
'use strict';
const assert = require('assert');
const tn = require('..');

/** A stand-in model: its "weights" are the epoch they were read at, so a restore is visible. */
function fakeModel() {
  const m = {
    stopTraining: false, isTraining: true, epoch: 0, restored: null,
    getWeights: () => [tn.scalar(m.epoch)],
    setWeights: (w) => (m.restored = w[0].dataSync()[0]),
  };
  return m;
}

/** Runs the callback over monitored values; returns the epoch training stopped after (or null) and the model. */
function run(args, values, key = 'val_loss') {
  const es = tn.callbacks.earlyStopping(args);
  const model = fakeModel();
  es.setModel(model);
  es.onTrainBegin();
  let stopped = null;
  for (let epoch = 0; epoch < values.length && !model.stopTraining; epoch++) {
    model.epoch = epoch;
    es.onEpochEnd(epoch, { loss: 1, [key]: values[epoch] });
    if (model.stopTraining) stopped = epoch;
  }
  es.onTrainEnd();
  return { stopped, model, es };
}

describe('earlyStopping (Keras 3 rules)', () => {
  it('patience counts epochs without improvement; patience 0 and 1 both stop at the first', () => {
    assert.strictEqual(run({ patience: 0 }, [5, 4, 4.5, 3]).stopped, 2);
    assert.strictEqual(run({ patience: 1 }, [5, 4, 4.5, 3]).stopped, 2);
    assert.strictEqual(run({ patience: 2 }, [5, 4, 4.5, 4.2, 3]).stopped, 3);
    assert.strictEqual(run({ patience: 2 }, [5, 4, 4.5, 3.9, 4, 4.1]).stopped, 5, 'an improvement restarts the count');
    assert.strictEqual(run({ patience: 0 }, [5, 6]).stopped, 1);
    assert.strictEqual(run({ patience: 0 }, [5, 4, 3, 2]).stopped, null);
  });

  it('minDelta: a change of at most minDelta is no improvement', () => {
    assert.strictEqual(run({ minDelta: 0.5 }, [5, 4.8, 4]).stopped, 1);
    assert.strictEqual(run({ minDelta: -0.5 }, [5, 4.8, 4]).stopped, 1, 'its absolute value is used');
    assert.strictEqual(run({ minDelta: 0.1 }, [5, 4.8, 4.6]).stopped, null);
  });

  it('mode: max, min, and auto from the monitor\'s name', () => {
    assert.strictEqual(run({ monitor: 'val_acc' }, [0.5, 0.6, 0.55], 'val_acc').stopped, 2, 'auto: accuracy goes up');
    assert.strictEqual(run({ monitor: 'acc', mode: 'min' }, [0.5, 0.6], 'acc').stopped, 1);
    assert.strictEqual(run({ monitor: 'val_score', mode: 'max' }, [1, 2, 3, 2], 'val_score').stopped, 3);
    assert.strictEqual(run({ monitor: 'val_mse' }, [1, 0.5, 0.7], 'val_mse').stopped, 2, 'auto: an error goes down');
    assert.throws(() => tn.callbacks.earlyStopping({ monitor: 'val_score' }), /cannot tell whether monitor 'val_score' should go up or down; pass mode/);
  });

  it('baseline: epochs that do not beat it count towards patience, even when they improve', () => {
    assert.strictEqual(run({ patience: 2 }, [5, 6, 7]).stopped, 2);
    assert.strictEqual(run({ patience: 2, baseline: 3 }, [5, 6, 7]).stopped, 1);
    // improving epochs are never the ones that stop, but they do not restart the count until they beat the baseline
    assert.strictEqual(run({ patience: 3 }, [5, 4, 3.5, 3.6]).stopped, null);
    assert.strictEqual(run({ patience: 3, baseline: 3 }, [5, 4, 3.5, 3.6]).stopped, 3);
    // beating the baseline (epoch 2) restarts the count: without that reset it would stop at epoch 3
    assert.strictEqual(run({ patience: 2, baseline: 3 }, [5, 4, 2.5, 2.6, 2.7, 2.8]).stopped, 4);
  });

  it('startFromEpoch: the first epochs are not looked at', () => {
    assert.strictEqual(run({}, [1, 2, 3, 4]).stopped, 1);
    assert.strictEqual(run({ startFromEpoch: 2 }, [1, 2, 3, 4]).stopped, 3);
  });

  it('restoreBestWeights restores the best epoch\'s weights at the end, stopped early or not', () => {
    const early = run({ patience: 1, restoreBestWeights: true }, [3, 1, 2, 0.5]);
    assert.strictEqual(early.stopped, 2);
    assert.strictEqual(early.model.restored, 1);
    assert.strictEqual(early.es.bestEpoch, 1);
    const full = run({ patience: 10, restoreBestWeights: true }, [3, 1, 2, 2.5]);
    assert.strictEqual(full.stopped, null);
    assert.strictEqual(full.model.restored, 1, 'Keras 3 restores also when training ran to the end');
    // the first epoch looked at is the best so far even when it is not an improvement on a baseline
    assert.strictEqual(run({ patience: 10, baseline: 0, restoreBestWeights: true, startFromEpoch: 1 }, [0.1, 3, 4]).model.restored, 1);
    assert.strictEqual(run({ patience: 1 }, [3, 1, 2]).model.restored, null, 'nothing is restored without the option');
  });

  it('one callback serves several trainings (onTrainBegin resets it)', () => {
    const es = tn.callbacks.earlyStopping({ patience: 0, restoreBestWeights: true });
    const model = fakeModel();
    es.setModel(model);
    for (const values of [[1, 2], [5, 4, 6]]) {
      model.stopTraining = false;
      es.onTrainBegin();
      for (let e = 0; e < values.length && !model.stopTraining; e++) {
        model.epoch = e;
        es.onEpochEnd(e, { val_loss: values[e] });
      }
      es.onTrainEnd();
    }
    assert.strictEqual(es.best, 4);
    assert.strictEqual(es.stoppedEpoch, 2);
    assert.strictEqual(model.restored, 1);
  });

  it('verbose prints when it stops and when it restores', () => {
    const lines = [];
    const log = console.log;
    console.log = (s) => lines.push(s);
    try {
      run({ patience: 0, verbose: 1, restoreBestWeights: true }, [2, 1, 3]);
    } finally {
      console.log = log;
    }
    assert.deepStrictEqual(lines, ['Epoch 3: early stopping', 'Restoring model weights from the end of the best epoch: 2.']);
  });

  it('unknown options and bad values are errors naming them', () => {
    assert.throws(() => tn.callbacks.earlyStopping({ restore_best_weights: true }), /earlyStopping: unknown option 'restore_best_weights'; the options are monitor, minDelta/);
    assert.throws(() => tn.callbacks.earlyStopping({ patience: -1 }), /earlyStopping\(\{patience\}\)/);
    assert.throws(() => tn.callbacks.earlyStopping({ mode: 'up' }), /earlyStopping\(\{mode\}\)/);
    assert.throws(() => tn.callbacks.earlyStopping({ restoreBestWeights: 1 }), /earlyStopping\(\{restoreBestWeights\}\)/);
    assert.throws(() => tn.callbacks.earlyStopping({ baseline: 'x' }), /earlyStopping\(\{baseline\}\)/);
    assert.throws(() => tn.callbacks.earlyStopping({ startFromEpoch: 1.5 }), /earlyStopping\(\{startFromEpoch\}\)/);
    const es = tn.callbacks.earlyStopping({ restoreBestWeights: true });
    es.setModel({ stopTraining: false, isTraining: true });
    assert.throws(() => es.onTrainBegin(), /restoreBestWeights needs a model with getWeights\(\) and setWeights\(\)/);
    assert.throws(() => run({}, [1], 'loss'), /monitors 'val_loss' but the logs have only loss/);
  });
});

describe('earlyStopping in fit', () => {
  // One weight w, trained from 0 towards y = 2x; validation targets are y = x, so val_loss
  // falls while w < 1 and rises after: the best epoch is in the middle of training.
  const x = tn.tensor2d([[1], [2], [-1], [0.5]]);
  const y = tn.tensor2d([[2], [4], [-2], [1]]);
  const yVal = tn.tensor2d([[1], [2], [-1], [0.5]]);

  function model() {
    const m = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' })] });
    m.compile({ optimizer: tn.train.sgd(0.05), loss: 'meanSquaredError' });
    return m;
  }

  async function fitRecording(m, es, epochs) {
    const seen = [];
    const recorder = { onEpochEnd: (epoch, logs) => seen.push({ epoch, valLoss: logs.val_loss, w: m.getWeights()[0].dataSync()[0] }) };
    const history = await m.fit(x, y, { epochs, batchSize: 4, shuffle: false, verbose: 0, validationData: [x, yVal], callbacks: [recorder, es] });
    return { seen, history };
  }

  it('restoreBestWeights: after stopping early, the weights are those of the epoch with the lowest val_loss', async () => {
    const m = model();
    const es = tn.callbacks.earlyStopping({ patience: 2, restoreBestWeights: true });
    const { seen, history } = await fitRecording(m, es, 100);
    assert.ok(history.loss.length < 100, `stopped early (${history.loss.length} epochs)`);
    const best = seen.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
    assert.ok(best.epoch > 1 && best.epoch < seen.length - 1, `the best epoch ${best.epoch} is inside the run of ${seen.length}`);
    assert.strictEqual(es.bestEpoch, best.epoch);
    const last = seen[seen.length - 1];
    assert.notStrictEqual(last.w, best.w, 'training had moved past the best weights');
    assert.strictEqual(m.getWeights()[0].dataSync()[0], best.w);
    assert.ok(Math.abs(best.w - 1) < 0.2, `the best w ${best.w} is near 1`);
  });

  it('restoreBestWeights also when training runs to its end (Keras 3)', async () => {
    const m = model();
    const es = tn.callbacks.earlyStopping({ patience: 1000, restoreBestWeights: true });
    const { seen, history } = await fitRecording(m, es, 40);
    assert.strictEqual(history.loss.length, 40);
    const best = seen.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
    assert.ok(best.epoch < 39);
    assert.strictEqual(m.getWeights()[0].dataSync()[0], best.w);
    const plain = model();
    const { seen: seen2 } = await fitRecording(plain, tn.callbacks.earlyStopping({ patience: 1000 }), 40);
    assert.strictEqual(plain.getWeights()[0].dataSync()[0], seen2[39].w, 'without the option the last weights stay');
  });
});

describe('tn.CustomCallback', () => {
  it('runs its hooks in order with this.model set; onYield after each batch; async hooks are awaited', async () => {
    const m = tn.sequential({ layers: [tn.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const seen = [];
    let modelSeen = null;
    const cb = new tn.CustomCallback({
      onTrainBegin() { modelSeen = this.model; seen.push('trainBegin'); },
      onEpochBegin: (e) => seen.push(`epochBegin${e}`),
      onBatchBegin: (b) => seen.push(`batchBegin${b}`),
      onBatchEnd: async (b, logs) => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push(`batchEnd${b}:${typeof logs.loss}`);
      },
      onYield: (e, b) => seen.push(`yield${e}.${b}`),
      onEpochEnd: (e, logs) => seen.push(`epochEnd${e}:${'loss' in logs}`),
      onTrainEnd: () => seen.push('trainEnd'),
    });
    assert.ok(cb instanceof tn.Callback);
    await m.fit(tn.ones([4, 2]), tn.ones([4, 1]), { epochs: 2, batchSize: 2, verbose: 0, callbacks: cb });
    assert.strictEqual(modelSeen, m);
    assert.deepStrictEqual(seen, [
      'trainBegin',
      'epochBegin0', 'batchBegin0', 'batchEnd0:number', 'yield0.0', 'batchBegin1', 'batchEnd1:number', 'yield0.1', 'epochEnd0:true',
      'epochBegin1', 'batchBegin0', 'batchEnd0:number', 'yield1.0', 'batchBegin1', 'batchEnd1:number', 'yield1.1', 'epochEnd1:true',
      'trainEnd',
    ]);
  });

  it('unknown hooks, non-functions and yieldEvery values other than auto/batch are errors', () => {
    assert.throws(() => new tn.CustomCallback({ onEpochStart: () => {} }), /CustomCallback: unknown option 'onEpochStart'/);
    assert.throws(() => new tn.CustomCallback({ onEpochEnd: 1 }), /CustomCallback\(\{onEpochEnd\}\)/);
    assert.throws(() => new tn.CustomCallback({}, 'epoch'), /CustomCallback\(yieldEvery\)/);
    assert.ok(new tn.CustomCallback({}, 'batch'));
  });
});
