// `npm run example:csv`: a classifier trained from a CSV file with tn.data.csv and fitDataset,
// the TensorFlow.js way (its boston-housing and iris examples read CSV files like this).
//
// The table: Seattle's daily weather 2012-2015 (1,461 rows: date, precipitation, temp_max,
// temp_min, wind, weather), from the Debian package `python3-vega-datasets`, or any file with
// those columns (CSV=path). The task: tell the day's weather (drizzle, fog, rain, snow, sun)
// from the measurements and the time of year. Trained on 2012-2014, tested on 2015.
//
//   columnConfigs: weather is the label, date is text; map() turns each row into numbers
//   (standardized with the training rows' means and deviations, the month as a point on a
//   circle); filter() splits by year; shuffle, batch, fitDataset, evaluateDataset.
'use strict';
const fs = require('fs');
const tn = require('..');

const CSV = process.env.CSV || '/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-weather.csv';
const EPOCHS = Number(process.env.EPOCHS) || 40;
const WEATHER = ['drizzle', 'fog', 'rain', 'snow', 'sun'];
const MEASURED = ['precipitation', 'temp_max', 'temp_min', 'wind'];

async function main() {
  if (!fs.existsSync(CSV)) {
    console.error(`${CSV} was not found. Install it with\n  sudo apt-get install python3-vega-datasets\n` +
      'or set CSV to a file with the columns date, precipitation, temp_max, temp_min, wind, weather.');
    process.exit(2);
  }
  tn.setSeed(1);
  const rows = tn.data.csv(CSV, { columnConfigs: { weather: { isLabel: true }, date: { dtype: 'string' } } });
  console.log(`${CSV}: columns ${(await rows.columnNames()).join(', ')}`);
  const year = ({ xs }) => Number(xs.date.slice(0, 4));
  const training = rows.filter((r) => year(r) <= 2014);
  const test = rows.filter((r) => year(r) === 2015);

  // Means and standard deviations of the measurements, from the training rows only.
  const sum = new Array(MEASURED.length).fill(0);
  const sq = new Array(MEASURED.length).fill(0);
  let n = 0;
  const counts = {};
  await training.forEachAsync(({ xs, ys }) => {
    MEASURED.forEach((k, i) => {
      sum[i] += xs[k];
      sq[i] += xs[k] * xs[k];
    });
    counts[ys.weather] = (counts[ys.weather] ?? 0) + 1;
    n++;
  });
  const mean = sum.map((s) => s / n);
  const std = sq.map((s, i) => Math.sqrt(s / n - mean[i] * mean[i]));
  console.log(`training rows: ${n}; weather counts ${JSON.stringify(counts)}`);

  const toNumbers = ({ xs, ys }) => {
    const month = Number(xs.date.slice(5, 7)) - 1;
    const label = WEATHER.indexOf(ys.weather);
    if (label < 0) throw new Error(`unknown weather '${ys.weather}' on ${xs.date}`);
    return {
      xs: [...MEASURED.map((k, i) => (xs[k] - mean[i]) / std[i]), Math.sin((2 * Math.PI * month) / 12), Math.cos((2 * Math.PI * month) / 12)],
      ys: label,
    };
  };
  const trainDs = training.map(toNumbers).shuffle(1200, 7).batch(32).prefetch(2);
  const testDs = test.map(toNumbers).batch(64);

  const model = tn.sequential({
    layers: [
      tn.layers.dense({ units: 32, activation: 'relu', inputShape: [MEASURED.length + 2] }),
      tn.layers.dense({ units: 32, activation: 'relu' }),
      tn.layers.dense({ units: WEATHER.length, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tn.train.adam(0.003), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const started = Date.now();
  const history = await model.fitDataset(trainDs, { epochs: EPOCHS, validationData: testDs, verbose: 0 });
  const seconds = (Date.now() - started) / 1000;
  const [loss, acc] = await model.evaluateDataset(testDs);

  // The baseline to beat: always answering the commonest training weather.
  const common = Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0];
  let testRows = 0;
  let hits = 0;
  await test.forEachAsync(({ ys }) => {
    testRows++;
    if (ys.weather === common) hits++;
  });
  console.log(`trained ${EPOCHS} epochs in ${seconds.toFixed(1)} s; final training accuracy ${(history.history.acc.at(-1) * 100).toFixed(1)}%`);
  console.log(`2015 (${testRows} days): test loss ${loss.dataSync()[0].toFixed(4)}, test accuracy ${(acc.dataSync()[0] * 100).toFixed(1)}% ` +
    `(always '${common}': ${((hits / testRows) * 100).toFixed(1)}%)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
