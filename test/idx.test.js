// The IDX reader: files written here (plain and gzipped, every value type), the errors for
// files that are not IDX or are truncated, and the real Fashion-MNIST files when installed.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { tn } = require('./helpers');

/** An IDX file's bytes: type code, shape, values written big-endian. */
function idxBytes(type, shape, values) {
  const sizes = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };
  const header = 4 + 4 * shape.length;
  const buf = Buffer.alloc(header + values.length * sizes[type]);
  buf[2] = type;
  buf[3] = shape.length;
  shape.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  values.forEach((v, i) => {
    const at = header + i * sizes[type];
    if (type === 0x08) buf.writeUInt8(v, at);
    else if (type === 0x09) buf.writeInt8(v, at);
    else if (type === 0x0b) buf.writeInt16BE(v, at);
    else if (type === 0x0c) buf.writeInt32BE(v, at);
    else if (type === 0x0d) buf.writeFloatBE(v, at);
    else buf.writeDoubleBE(v, at);
  });
  return buf;
}

describe('IDX reader (tn.data)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tn-idx-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads uint8 images as float32 scaled by `scale` (default 1/255), plain and gzipped', async () => {
    const pixels = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) % 256);
    const bytes = idxBytes(0x08, [2, 3, 4], pixels);
    fs.writeFileSync(path.join(dir, 'img.idx'), bytes);
    fs.writeFileSync(path.join(dir, 'img.idx.gz'), zlib.gzipSync(bytes));
    for (const file of ['img.idx', 'img.idx.gz']) {
      const t = await tn.data.readIdx(path.join(dir, file));
      assert.deepStrictEqual(t.shape, [2, 3, 4]);
      assert.strictEqual(t.dtype, 'float32');
      t.dataSync().forEach((v, i) => assert.ok(Math.abs(v - pixels[i] / 255) < 1e-7));
    }
    const raw = tn.data.readIdxSync(path.join(dir, 'img.idx.gz'), { scale: 1 });
    assert.deepStrictEqual(Array.from(raw.dataSync()), pixels);
    const half = tn.data.parseIdx(bytes, { scale: 0.5 });
    assert.strictEqual(half.dataSync()[1], 5.5);
  });

  it('reads rank-1 labels as int32', () => {
    const labels = [9, 0, 3, 255, 7];
    const t = tn.data.parseIdx(zlib.gzipSync(idxBytes(0x08, [5], labels)));
    assert.strictEqual(t.dtype, 'int32');
    assert.deepStrictEqual(Array.from(t.dataSync()), labels);
  });

  it('reads int8, int16, int32, float32 and float64 data big-endian', () => {
    const cases = [[0x09, [-3, 5, -128]], [0x0b, [-30000, 2, 12345]], [0x0c, [-70000, 1, 2 ** 30]], [0x0d, [1.5, -2.25, 3]], [0x0e, [0.125, -7, 9.5]]];
    for (const [type, values] of cases) {
      const t = tn.data.parseIdx(idxBytes(type, [3], values));
      assert.deepStrictEqual(Array.from(t.dataSync()), values, `type 0x${type.toString(16)}`);
      const f = tn.data.parseIdx(idxBytes(type, [1, 3], values), { scale: 1 });
      assert.strictEqual(f.dtype, 'float32');
      assert.deepStrictEqual(Array.from(f.dataSync()), values);
    }
  });

  it('says what is wrong with a file that is not IDX, or truncated, or a bad option', () => {
    assert.throws(() => tn.data.parseIdx(Buffer.from('hello world')), /is not an IDX file/);
    const bytes = idxBytes(0x08, [2, 2], [1, 2, 3, 4]);
    fs.writeFileSync(path.join(dir, 'short.idx'), bytes.subarray(0, bytes.length - 1));
    assert.throws(() => tn.data.readIdxSync(path.join(dir, 'short.idx')), /short\.idx: an IDX file of uint8 values with shape \[2, 2\] holds 16 bytes but this one has 15/);
    assert.throws(() => tn.data.parseIdx(bytes, { dtype: 'float64' }), /Expected one of 'float32', 'int32' for dtype/);
    assert.throws(() => tn.data.readIdxSync(42), /Expected a file path/);
  });

  const fashion = '/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz';
  (fs.existsSync(fashion) ? it : it.skip)('reads the Fashion-MNIST test set from the Debian package dataset-fashion-mnist', () => {
    const labels = tn.data.readIdxSync(fashion);
    const images = tn.data.readIdxSync(fashion.replace('labels-idx1', 'images-idx3'));
    assert.deepStrictEqual(labels.shape, [10000]);
    assert.deepStrictEqual(images.shape, [10000, 28, 28]);
    const counts = new Array(10).fill(0);
    labels.dataSync().forEach((l) => counts[l]++);
    assert.deepStrictEqual(counts, new Array(10).fill(1000));
  });
});
