// tn.data.csv: tfjs-data's CSV dataset on files written here: header handling, column
// configs (isLabel, dtype, default, required), RFC 4180 quoting, missing values, and errors
// naming the file and line; then training a model from a CSV file.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { tn } = require('./helpers');

let dir;
function write(name, text) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

describe('tn.data.csv', () => {
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tensornode-csv-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('rows as objects: numbers parsed, other text kept; columnNames() reads the header', async () => {
    const p = write('plain.csv', 'a,b,name\n1,2.5,x\n-3,1e3,"y z"\n');
    const ds = tn.data.csv(p);
    assert.deepStrictEqual(await ds.columnNames(), ['a', 'b', 'name']);
    assert.strictEqual(ds.size, null);
    assert.deepStrictEqual(await ds.toArray(), [{ a: 1, b: 2.5, name: 'x' }, { a: -3, b: 1000, name: 'y z' }]);
    assert.deepStrictEqual(await ds.toArray(), [{ a: 1, b: 2.5, name: 'x' }, { a: -3, b: 1000, name: 'y z' }], 'a second pass');
    // file:// URLs as tfjs-node takes them.
    assert.strictEqual((await tn.data.csv(`file://${p}`).toArray()).length, 2);
    assert.strictEqual((await tn.data.csv(`file://${path.relative(process.cwd(), p)}`).toArray()).length, 2, "'file://' + a relative path");
  });

  it('isLabel columns go to ys: elements are {xs, ys}', async () => {
    const p = write('labels.csv', 'f1,f2,label\n1,2,0\n3,4,1\n');
    const ds = tn.data.csv(p, { columnConfigs: { label: { isLabel: true } } });
    assert.deepStrictEqual(await ds.toArray(), [{ xs: { f1: 1, f2: 2 }, ys: { label: 0 } }, { xs: { f1: 3, f2: 4 }, ys: { label: 1 } }]);
    // The tfjs recipe: values to arrays, then batch into tensors.
    const [batch] = await ds.map(({ xs, ys }) => ({ xs: Object.values(xs), ys: Object.values(ys) })).batch(2).toArray();
    assert.deepStrictEqual(batch.xs.shape, [2, 2]);
    assert.deepStrictEqual(Array.from(batch.xs.dataSync()), [1, 2, 3, 4]);
    assert.deepStrictEqual(batch.ys.shape, [2, 1]);
  });

  it('RFC 4180 quoting: delimiters, doubled quotes and newlines inside quotes; CRLF; BOM; blank lines', async () => {
    const p = write('quoted.csv', '\ufeffid,text,n\r\n1,"a, b",2\r\n2,"say ""hi""",3\r\n\r\n3,"two\nlines",4\r\n4,"",5\r\n');
    const rows = await tn.data.csv(p).toArray();
    assert.deepStrictEqual(rows.map((r) => r.text), ['a, b', 'say "hi"', 'two\nlines', undefined]);
    assert.deepStrictEqual(rows.map((r) => r.id), [1, 2, 3, 4]);
    assert.deepStrictEqual(await tn.data.csv(p).columnNames(), ['id', 'text', 'n'], 'the BOM is not part of the first name');
  });

  it('quotes and line ends split across read chunks are parsed the same', async () => {
    // 64 KiB chunks: put a doubled quote and a CRLF across the boundary.
    const filler = 'x'.repeat(65536 - 'k,v\r\n1,"'.length - 1);
    const p = write('chunks.csv', `k,v\r\n1,"${filler}""y"\r\n2,z\r\n`);
    const rows = await tn.data.csv(p).toArray();
    assert.strictEqual(rows.length, 2);
    assert.strictEqual(rows[0].v, `${filler}"y`);
    assert.deepStrictEqual(rows[1], { k: 2, v: 'z' });
    const crlf = write('crlf.csv', `k\r\n${'1'.repeat(65536 - 3)}\r\n2\r\n`);
    assert.deepStrictEqual((await tn.data.csv(crlf).toArray()).map((r) => typeof r.k), ['number', 'number']);
  });

  it('round trip: random fields with quotes, delimiters, CR/LF and unicode, written as RFC 4180, read back exactly', async () => {
    let seed = 12345;
    const rand = (n) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    const alphabet = ['a', 'b', ' ', ',', '"', '\n', '\r\n', 'é', '€', '😀', ';', '\t', 'x"y'];
    const records = [];
    for (let r = 0; r < 8000; r++) {
      records.push(Array.from({ length: 3 }, () => `s${Array.from({ length: rand(12) }, () => alphabet[rand(alphabet.length)]).join('')}`));
    }
    const quote = (f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);
    const text = ['a,b,c', ...records.map((r) => r.map(quote).join(','))].join('\r\n');
    assert.ok(text.length > 3 * 65536, 'several read chunks');
    const p = write('roundtrip.csv', text);
    const rows = await tn.data.csv(p, { columnConfigs: { a: { dtype: 'string' }, b: { dtype: 'string' }, c: { dtype: 'string' } } }).toArray();
    assert.strictEqual(rows.length, records.length);
    rows.forEach((row, i) => assert.deepStrictEqual([row.a, row.b, row.c], records[i], `record ${i}`));
  });

  it('missing values: default, required, undefined (and batching an undefined says so)', async () => {
    const p = write('missing.csv', 'a,b,c\n1,,3\n4,5,\n');
    const ds = tn.data.csv(p, { columnConfigs: { b: { default: -1 } } });
    assert.deepStrictEqual(await ds.toArray(), [{ a: 1, b: -1, c: 3 }, { a: 4, b: 5, c: undefined }]);
    await assert.rejects(tn.data.csv(p, { columnConfigs: { c: { required: true } } }).toArray(), /missing\.csv:3: the required column 'c' is empty/);
    await assert.rejects(tn.data.csv(p, { columnConfigs: { b: { isLabel: true } } }).toArray(), /missing\.csv:2: the label column 'b' is empty/);
    await assert.rejects(tn.data.csv(p).map((r) => Object.values(r)).batch(2).toArray(), /missing value/);
  });

  it('dtypes: int32, float32, bool, string; a value that does not parse is an error naming the line', async () => {
    const p = write('types.csv', 'i,f,b,s\n1,0.5,true,007\n2,-1,0,abc\n');
    const config = { columnConfigs: { i: { dtype: 'int32' }, f: { dtype: 'float32' }, b: { dtype: 'bool' }, s: { dtype: 'string' } } };
    assert.deepStrictEqual(await tn.data.csv(p, config).toArray(), [{ i: 1, f: 0.5, b: 1, s: '007' }, { i: 2, f: -1, b: 0, s: 'abc' }]);
    const bad = write('bad-types.csv', 'i,f\n1,2\n2.5,3\n');
    await assert.rejects(tn.data.csv(bad, { columnConfigs: { i: { dtype: 'int32' } } }).toArray(), /bad-types\.csv:3: expected an integer in the int32 column 'i' but found "2\.5"/);
    const word = write('word.csv', 'f\n1\nabc\n');
    await assert.rejects(tn.data.csv(word, { columnConfigs: { f: { dtype: 'float32' } } }).toArray(), /word\.csv:3: expected a number in the float32 column 'f' but found "abc"/);
    await assert.rejects(tn.data.csv(write('bool.csv', 'b\nmaybe\n'), { columnConfigs: { b: { dtype: 'bool' } } }).toArray(), /bool\.csv:2: expected true, false, 1 or 0/);
  });

  it('bad rows are errors naming the file and line: wrong field count, stray quotes, unclosed quote', async () => {
    await assert.rejects(tn.data.csv(write('count.csv', 'a,b\n1,2\n3\n4,5\n')).toArray(), /count\.csv:3: expected 2 fields \(a, b\) but the row has 1/);
    await assert.rejects(tn.data.csv(write('count2.csv', 'a,b\n1,2,3\n')).toArray(), /count2\.csv:2: expected 2 fields/);
    // A record with a quoted newline counts its lines: the bad row after it is on line 4.
    await assert.rejects(tn.data.csv(write('lines.csv', 'a,b\n"x\ny",1\n2\n')).toArray(), /lines\.csv:4: expected 2 fields/);
    await assert.rejects(tn.data.csv(write('stray.csv', 'a,b\n1,x"y\n')).toArray(), /stray\.csv:2: a quote inside an unquoted field/);
    await assert.rejects(tn.data.csv(write('after.csv', 'a,b\n1,"x"y\n')).toArray(), /after\.csv:2: unexpected "y" after the closing quote/);
    await assert.rejects(tn.data.csv(write('open.csv', 'a,b\n1,"never closed\n2,3\n')).toArray(), /open\.csv:2: a quoted field is not closed/);
  });

  it('options: hasHeader false with columnNames, configuredColumnsOnly, delimiter, delimWhitespace', async () => {
    const p = write('nohead.csv', '1;2;3\n4;5;6\n');
    const ds = tn.data.csv(p, { hasHeader: false, columnNames: ['x', 'y', 'z'], delimiter: ';', columnConfigs: { z: { isLabel: true } } });
    assert.deepStrictEqual(await ds.toArray(), [{ xs: { x: 1, y: 2 }, ys: { z: 3 } }, { xs: { x: 4, y: 5 }, ys: { z: 6 } }]);
    const only = tn.data.csv(write('only.csv', 'a,b,c\n1,2,3\n'), { configuredColumnsOnly: true, columnConfigs: { c: {}, a: {} } });
    assert.deepStrictEqual(await only.toArray(), [{ a: 1, c: 3 }]);
    assert.deepStrictEqual(await only.columnNames(), ['c', 'a']);
    const ws = tn.data.csv(write('ws.txt', '  a   b\tc\n1  2\t\t3  \n'), { delimWhitespace: true });
    assert.deepStrictEqual(await ws.toArray(), [{ a: 1, b: 2, c: 3 }]);
    // columnNames replace the header's names.
    const renamed = tn.data.csv(write('rename.csv', 'a,b\n1,2\n'), { columnNames: ['p', 'q'] });
    assert.deepStrictEqual(await renamed.toArray(), [{ p: 1, q: 2 }]);
  });

  it('bad configuration is an error before reading data', async () => {
    const p = write('cfg.csv', 'a,b\n1,2\n');
    await assert.rejects(tn.data.csv(p, { columnConfigs: { nope: {} } }).toArray(), /column 'nope' of columnConfigs is not a column of .*cfg\.csv \(columns: a, b\)/);
    await assert.rejects(tn.data.csv(write('dup.csv', 'a,a\n1,2\n')).toArray(), /Duplicate column names .*: a/);
    await assert.rejects(tn.data.csv(p, { hasHeader: false }).toArray(), /Column names must be given/);
    await assert.rejects(tn.data.csv(p, { columnNames: ['x'] }).toArray(), /1 columnNames were given but the header line of .* has 2 columns/);
    await assert.rejects(tn.data.csv(write('empty.csv', '')).toArray(), /the file is empty/);
    await assert.rejects(tn.data.csv(path.join(dir, 'absent.csv')).toArray(), /ENOENT.*absent\.csv/);
    assert.throws(() => tn.data.csv(p, { delimter: ';' }), /Unknown csv option 'delimter'/);
    assert.throws(() => tn.data.csv(p, { delimiter: ';;' }), /Expected one character/);
    assert.throws(() => tn.data.csv(p, { columnConfigs: { a: { dtype: 'float64' } } }), /columnConfigs\.a\.dtype/);
    assert.throws(() => tn.data.csv('https://example.com/x.csv'), /local files only/);
  });

  it('a model trains from a CSV file through map, shuffle, batch and fitDataset', async () => {
    const lines = ['x1,x2,label'];
    let s = 7;
    const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296) * 2 - 1;
    for (let i = 0; i < 300; i++) {
      const a = rand();
      const b = rand();
      lines.push(`${a.toFixed(4)},${b.toFixed(4)},${a - b > 0 ? 1 : 0}`);
    }
    const p = write('train.csv', `${lines.join('\n')}\n`);
    const ds = tn.data.csv(p, { columnConfigs: { label: { isLabel: true } } })
      .map(({ xs, ys }) => ({ xs: Object.values(xs), ys: Object.values(ys) }))
      .shuffle(300, 1).batch(20);
    tn.setSeed(2);
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] })] });
    model.compile({ optimizer: tn.train.adam(0.1), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await model.fitDataset(ds, { epochs: 15, verbose: 0 });
    assert.ok(h.history.acc.at(-1) > 0.95, `accuracy ${h.history.acc.at(-1)}`);
    const [, acc] = await model.evaluateDataset(ds);
    assert.ok(acc.dataSync()[0] > 0.95);
  });
});
