// Child of test/io-kill.test.js: saves one model again and again, each time with the weights
// of the next version, in three formats, until it is killed. Prints 'ready' once started.
'use strict';
const tn = require('..');
const { killModel, setVersion } = require('./io-kill-model');

const [dir, start] = process.argv.slice(2);
(async () => {
  const model = killModel();
  for (let v = Number(start); ; v++) {
    setVersion(model, v);
    await model.save(`file://${dir}/tfjs`);
    await model.save(`file://${dir}/m.keras`);
    await model.saveWeights(`file://${dir}/w.safetensors`);
    if (v === Number(start)) process.stdout.write('ready\n');
  }
})().catch((e) => { console.error(e); process.exit(1); });
void tn;
