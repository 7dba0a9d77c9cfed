// A character-level LSTM language model on real text: the quotations, fortunes and riddles of
// Debian's `fortunes-min` package (/usr/share/games/fortunes, ~100 KB of English; nothing is
// downloaded at run time). Install the text once with:
//
//   sudo apt-get install fortunes-min        (Debian/Ubuntu)
//
// Model: Embedding(chars, 32) -> LSTM(256, returnSequences) -> Dense(chars, softmax), trained to
// predict the next character at every position of 64-character windows (sparse categorical
// cross-entropy over [batch, time] labels). Prints the loss per epoch and a sampled passage.
//
//   node examples/char-lstm.js [epochs=6] [windowsPerEpoch=6000]
'use strict';
const tn = require('..');
const { loadFortunes } = require('./text-corpus');

const SEQ = 64;

function sample(probs, temperature, rand) {
  let sum = 0;
  const w = Array.from(probs, (p) => Math.exp(Math.log(Math.max(p, 1e-12)) / temperature));
  for (const v of w) sum += v;
  let u = rand() * sum;
  for (let i = 0; i < w.length; i++) if ((u -= w[i]) <= 0) return i;
  return w.length - 1;
}

function generate(model, seedText, encode, chars, length, temperature) {
  const window = Array.from(seedText.slice(-SEQ), encode);
  let out = '';
  let s = 12345;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  for (let i = 0; i < length; i++) {
    const x = tn.tensor(Int32Array.from(window), [1, SEQ]);
    const y = model.predict(x).dataSync(); // [1, SEQ, V]: take the last step
    const V = chars.length;
    const next = sample(y.subarray((SEQ - 1) * V, SEQ * V), temperature, rand);
    out += chars[next];
    window.shift();
    window.push(next);
  }
  return out;
}

async function main() {
  const epochs = Number(process.argv[2] || 6), perEpoch = Number(process.argv[3] || 6000);
  tn.setSeed(7);
  const { entries } = loadFortunes();
  const text = entries.join('\n\n');
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  const encode = (c) => index.get(c);
  const codes = Int32Array.from(text, encode);
  console.log(`corpus: ${text.length} characters, ${chars.length} distinct, from ${entries.length} fortunes`);

  const model = tn.sequential({
    layers: [
      tn.layers.embedding({ inputDim: chars.length, outputDim: 32, inputLength: SEQ }),
      tn.layers.lstm({ units: 256, returnSequences: true }),
      tn.layers.dense({ units: chars.length, activation: 'softmax' }),
    ],
  });
  model.summary();
  model.compile({ optimizer: tn.train.adam(0.003), loss: 'sparseCategoricalCrossentropy' });

  let s = 99;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  for (let epoch = 0; epoch < epochs; epoch++) {
    // Fresh random windows each epoch: x = text[i .. i+SEQ), y = text[i+1 .. i+SEQ+1).
    const x = new Int32Array(perEpoch * SEQ), y = new Int32Array(perEpoch * SEQ);
    for (let n = 0; n < perEpoch; n++) {
      const at = Math.floor(rand() * (codes.length - SEQ - 1));
      x.set(codes.subarray(at, at + SEQ), n * SEQ);
      y.set(codes.subarray(at + 1, at + SEQ + 1), n * SEQ);
    }
    const t0 = Date.now();
    const h = await model.fit(tn.tensor(x, [perEpoch, SEQ]), tn.tensor(y, [perEpoch, SEQ]), { epochs: 1, batchSize: 64, verbose: 0 });
    const loss = h.history.loss[0];
    console.log(`\nepoch ${epoch + 1}/${epochs}: loss ${loss.toFixed(3)} (${(loss / Math.LN2).toFixed(2)} bits/char), ` +
      `${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const at = Math.floor(rand() * (text.length - SEQ));
    const seedText = text.slice(at, at + SEQ);
    console.log(`--- sample (temperature 0.6) after "${seedText.replace(/\s+/g, ' ').slice(-30)}":`);
    console.log(generate(model, seedText, encode, chars, 240, 0.6));
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
