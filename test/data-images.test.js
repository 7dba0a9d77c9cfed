// Images from folders: imageDatasetFromDirectory and imageDataGenerator().flowFromDirectory
// on folders written here with sharp: mixed formats (PNG, JPEG, WebP, GIF, TIFF, BMP, PPM),
// grey and RGBA inputs, a corrupt file, an empty class folder; file lists and splits
// identical to Keras' (fixture from test/fixtures/make_keras_fixtures.py); nearest resizing
// identical to PIL's; a small CNN trained from a folder; sharp loaded only on first use.
'use strict';
const assert = require('assert');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const sharp = require('sharp');
const { tn, assertClose } = require('./helpers');

const fixture = require('./fixtures/keras_data.json');
const root = path.resolve(__dirname, '..');
const values = (t) => Array.from(t.dataSync());
const quiet = (fn) => {
  const log = console.log;
  console.log = () => {};
  try {
    return fn();
  } finally {
    console.log = log;
  }
};

let dir;
const mk = (...parts) => {
  const p = path.join(dir, ...parts);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  return p;
};

/** Raw RGB(A) pixels of w x h with a pattern that depends on `seed`. */
function pixels(w, h, channels, seed) {
  const out = Buffer.alloc(w * h * channels);
  for (let i = 0; i < out.length; i++) out[i] = (i * 37 + seed * 91) % 256;
  return out;
}

async function writeImage(file, { w = 6, h = 4, channels = 3, seed = 0, format, raw } = {}) {
  const data = raw ?? pixels(w, h, channels, seed);
  let img = sharp(data, { raw: { width: w, height: h, channels } });
  const fmt = format ?? path.extname(file).slice(1).toLowerCase();
  if (fmt === 'png') img = channels === 1 ? img.toColourspace('b-w').png() : img.png();
  else if (fmt === 'jpg' || fmt === 'jpeg') img = img.jpeg({ quality: 95 });
  else if (fmt === 'webp') img = img.webp({ lossless: true });
  else if (fmt === 'gif') img = img.gif();
  else if (fmt === 'tif' || fmt === 'tiff') img = img.tiff({ compression: 'lzw' });
  else throw new Error(`test helper: no writer for ${fmt}`);
  await img.toFile(file);
  return data;
}

const bmpFixture = fixture.formats.find((f) => f.mode === 'RGB' && f.ext === 'bmp');

describe('images from folders', function () {
  this.timeout(60000);
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tensornode-img-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('require("tensornode") does not load sharp; the first image function does', () => {
    fs.mkdirSync(path.join(dir, 'empty-tree', 'a'), { recursive: true });
    const script = `const tn = require(${JSON.stringify(root)});
      const loaded = () => Object.keys(require.cache).some((k) => k.includes('${path.sep}sharp${path.sep}'));
      const before = loaded();
      try { tn.data.imageDatasetFromDirectory(${JSON.stringify(path.join(dir, 'empty-tree'))}, { verbose: false }); } catch (e) {}
      console.log(JSON.stringify({ before, after: loaded() }));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)), { before: false, after: true });
  });

  it('without sharp installed, reading images says to npm install sharp', () => {
    // A preload that makes require('sharp') fail as it does when the package is absent.
    const preload = path.join(dir, 'no-sharp.js');
    fs.writeFileSync(preload, `const Module = require('module'); const orig = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === 'sharp') { const e = new Error("Cannot find module 'sharp'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
        return orig.call(this, request, ...rest);
      };`);
    fs.mkdirSync(path.join(dir, 'nosharp', 'a'), { recursive: true });
    const script = `const tn = require(${JSON.stringify(root)});
      try { tn.data.imageDatasetFromDirectory(${JSON.stringify(path.join(dir, 'nosharp'))}, { verbose: false }); }
      catch (e) { console.log(e.message); }
      try { tn.preprocessing.image.imageDataGenerator().flowFromDirectory(${JSON.stringify(path.join(dir, 'nosharp'))}); }
      catch (e) { console.log(e.message); }`;
    const r = spawnSync(process.execPath, ['-r', preload, '-e', script], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').filter((l) => !l.startsWith('Found'));
    assert.strictEqual(lines.length, 2, r.stdout);
    for (const l of lines) assert.match(l, /needs the package sharp, which is not installed\. Install it with `npm install sharp`/);
  });

  describe('file lists and splits are Keras\'', () => {
    let tree;
    before(async () => {
      tree = path.join(dir, 'tree');
      for (const rel of fixture.tree) {
        const file = path.join(tree, ...rel.split('/'));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const ext = path.extname(rel).slice(1).toLowerCase();
        if (ext === 'bmp') fs.writeFileSync(file, Buffer.from(bmpFixture.base64, 'base64'));
        else if (['png', 'jpg', 'jpeg', 'gif'].includes(ext)) await writeImage(file, { w: 3, h: 2, format: ext });
        else fs.writeFileSync(file, 'not an image');
      }
    });
    const rel = (paths) => paths.map((p) => path.relative(tree, p).split(path.sep).join('/'));

    it('validationSplit + subset "both" with a seed: the same training and validation files, in the same order', () => {
      for (const seed of ['1337', '7']) {
        const want = fixture.directory[seed];
        const [train, val] = tn.data.imageDatasetFromDirectory(tree, { validationSplit: 0.3, subset: 'both', seed: Number(seed),
          imageSize: [2, 3], batchSize: 4, verbose: false });
        assert.deepStrictEqual(train.classNames, want.classNames);
        assert.deepStrictEqual(rel(train.filePaths), want.train, `seed ${seed} training files`);
        assert.deepStrictEqual(rel(val.filePaths), want.validation, `seed ${seed} validation files`);
        // Calling twice, once per subset (the usual Keras code), gives the same disjoint subsets.
        const t2 = tn.data.imageDatasetFromDirectory(tree, { validationSplit: 0.3, subset: 'training', seed: Number(seed), imageSize: [2, 3], verbose: false });
        const v2 = tn.data.imageDatasetFromDirectory(tree, { validationSplit: 0.3, subset: 'validation', seed: Number(seed), imageSize: [2, 3], verbose: false });
        assert.deepStrictEqual(rel(t2.filePaths), want.train);
        assert.deepStrictEqual(rel(v2.filePaths), want.validation);
      }
    });

    it('unshuffled order, labels null, and flowFromDirectory\'s per-class validation split', () => {
      const plain = tn.data.imageDatasetFromDirectory(tree, { shuffle: false, imageSize: [2, 3], verbose: false });
      assert.deepStrictEqual(rel(plain.filePaths), fixture.directory.unshuffled.all);
      assert.deepStrictEqual(plain.classNames, ['a_cats', 'b_dogs', 'c_empty'], 'hidden folders are not classes; an empty folder is one');
      const none = tn.data.imageDatasetFromDirectory(tree, { labels: null, shuffle: false, imageSize: [2, 3], verbose: false });
      assert.deepStrictEqual(rel(none.filePaths), fixture.directory.noLabels.all);
      assert.strictEqual(none.classNames, null);
      // Keras' legacy flow_from_directory also counts the hidden folder as a class; tensornode does not.
      const want = fixture.directory.flowValidation;
      const notHidden = (f) => !f.startsWith('.hidden_class/');
      const gen = tn.preprocessing.image.imageDataGenerator({ validationSplit: 0.34 });
      const v = quiet(() => gen.flowFromDirectory(tree, { targetSize: [2, 3], subset: 'validation', shuffle: false }));
      const t = quiet(() => gen.flowFromDirectory(tree, { targetSize: [2, 3], subset: 'training', shuffle: false }));
      assert.deepStrictEqual(v.filenames.map((f) => f.split(path.sep).join('/')), want.filenames.filter(notHidden));
      assert.deepStrictEqual(t.filenames.map((f) => f.split(path.sep).join('/')), want.trainFilenames.filter(notHidden));
      assert.deepStrictEqual(v.classIndices, { a_cats: 0, b_dogs: 1, c_empty: 2 });
    });

    it('prints Keras\' messages', () => {
      const lines = [];
      const log = console.log;
      console.log = (l) => lines.push(l);
      try {
        tn.data.imageDatasetFromDirectory(tree, { validationSplit: 0.3, subset: 'training', seed: 1, imageSize: [2, 3] });
        tn.preprocessing.image.imageDataGenerator().flowFromDirectory(tree, { targetSize: [2, 3] });
      } finally {
        console.log = log;
      }
      assert.deepStrictEqual(lines, ['Found 16 files belonging to 3 classes.', 'Using 12 files for training.', 'Found 15 images belonging to 3 classes.']);
    });
  });

  describe('decoding', () => {
    let mixed;
    const written = {};
    before(async () => {
      mixed = path.join(dir, 'mixed');
      // One file per format in class 'a'; grey and RGBA in class 'b'; class 'c' is empty.
      written.png = await writeImage(mk('mixed', 'a', '1.png'), { seed: 1 });
      written.webp = await writeImage(mk('mixed', 'a', '2.webp'), { seed: 2 });
      written.tiff = await writeImage(mk('mixed', 'a', '3.tiff'), { seed: 3 });
      const smooth = Buffer.alloc(6 * 4 * 3);
      for (let i = 0; i < smooth.length; i++) smooth[i] = 40 + 5 * Math.floor(i / 3) + 20 * (i % 3);
      written.jpg = await writeImage(mk('mixed', 'a', '4.jpg'), { raw: smooth });
      written.gif = await writeImage(mk('mixed', 'a', '5.gif'), { seed: 5 });
      fs.writeFileSync(mk('mixed', 'a', '6.bmp'), Buffer.from(bmpFixture.base64, 'base64'));
      written.grey = await writeImage(mk('mixed', 'b', 'grey.png'), { channels: 1, seed: 6 });
      written.rgba = await writeImage(mk('mixed', 'b', 'rgba.png'), { channels: 4, seed: 7 });
      fs.mkdirSync(mk('mixed', 'c', 'x'), { recursive: true });
      fs.rmdirSync(mk('mixed', 'c', 'x'));
      await writeImage(mk('two', 'neg', 'a.png'));
      await writeImage(mk('two', 'pos', 'b.png'));
      await writeImage(mk('two', 'pos', 'c.png'));
    });

    it('mixed formats decode to float32 [0, 255]; lossless ones exactly, JPEG closely', async () => {
      const ds = tn.data.imageDatasetFromDirectory(mixed, { shuffle: false, imageSize: [4, 6], batchSize: 8, verbose: false, labelMode: 'int' });
      assert.deepStrictEqual(ds.classNames, ['a', 'b', 'c']);
      assert.strictEqual(ds.size, 1);
      // TIFF is not on image_dataset_from_directory's list (TensorFlow does not decode it); the other seven are.
      assert.deepStrictEqual(ds.filePaths.map((p) => path.basename(p)), ['1.png', '2.webp', '4.jpg', '5.gif', '6.bmp', 'grey.png', 'rgba.png']);
      const [[x, y]] = await ds.toArray();
      assert.deepStrictEqual(x.shape, [7, 4, 6, 3]);
      assert.strictEqual(x.dtype, 'float32');
      assert.deepStrictEqual(values(y), [0, 0, 0, 0, 0, 1, 1]);
      assert.strictEqual(y.dtype, 'int32');
      const img = (t, i) => Array.from(t.dataSync().subarray(i * 72, (i + 1) * 72));
      assert.deepStrictEqual(img(x, 0), Array.from(written.png), 'png');
      assert.deepStrictEqual(img(x, 1), Array.from(written.webp), 'webp');
      const jpegDiff = img(x, 2).reduce((m, v, i) => Math.max(m, Math.abs(v - written.jpg[i])), 0);
      assert.ok(jpegDiff <= 12, `jpeg max difference ${jpegDiff}`);
      assert.ok(img(x, 3).every((v) => v >= 0 && v <= 255), 'gif');
      // BMP (decoded by tensornode): PIL's pixels, resized from 7x5 to 6x4 with TensorFlow's bilinear.
      assert.ok(img(x, 4).every((v) => v >= 0 && v <= 255));
      // Grey replicated into RGB; RGBA's alpha dropped.
      assert.deepStrictEqual(img(x, 5), Array.from(written.grey).flatMap((v) => [v, v, v]));
      assert.deepStrictEqual(img(x, 6), Array.from(written.rgba).filter((_, i) => i % 4 !== 3));
      // flowFromDirectory's list (Keras' white_list_formats) has TIFF and no GIF.
      const it = quiet(() => tn.preprocessing.image.imageDataGenerator().flowFromDirectory(mixed, { targetSize: [4, 6], shuffle: false, batchSize: 8 }));
      assert.deepStrictEqual(it.filenames.map((p) => path.basename(p)), ['1.png', '2.webp', '3.tiff', '4.jpg', '6.bmp', 'grey.png', 'rgba.png']);
      const [fx] = await it.getBatch(0);
      assert.deepStrictEqual(img(fx, 2), Array.from(written.tiff), 'tiff');
    });

    it('colorMode grayscale (PIL\'s luma) and rgba (alpha 255 where the file has none)', async () => {
      const grey = tn.data.imageDatasetFromDirectory(path.join(mixed), { shuffle: false, imageSize: [4, 6], colorMode: 'grayscale', verbose: false });
      const [[gx]] = await grey.toArray();
      assert.deepStrictEqual(gx.shape, [7, 4, 6, 1]);
      const png = written.png;
      const luma = Array.from({ length: 24 }, (_, p) => (19595 * png[3 * p] + 38470 * png[3 * p + 1] + 7471 * png[3 * p + 2] + 32768) >>> 16);
      assert.deepStrictEqual(Array.from(gx.dataSync().subarray(0, 24)), luma);
      assert.deepStrictEqual(Array.from(gx.dataSync().subarray(5 * 24, 6 * 24)), Array.from(written.grey), 'a grey file comes back exactly');
      const rgba = tn.data.imageDatasetFromDirectory(mixed, { shuffle: false, imageSize: [4, 6], colorMode: 'rgba', verbose: false });
      const [[ax]] = await rgba.toArray();
      assert.deepStrictEqual(ax.shape, [7, 4, 6, 4]);
      assert.deepStrictEqual(Array.from(ax.dataSync().subarray(6 * 96, 7 * 96)), Array.from(written.rgba));
      assert.ok(Array.from(ax.dataSync().subarray(0, 96)).every((v, i) => i % 4 !== 3 || v === 255));
    });

    it('BMP and PPM variants decode to the pixels PIL reads', async () => {
      const formats = path.join(dir, 'formats');
      fixture.formats.forEach((f, i) => fs.writeFileSync(mk('formats', 'k', `${i}_${f.mode}.${f.ext}`), Buffer.from(f.base64, 'base64')));
      const gen = tn.preprocessing.image.imageDataGenerator();
      const it = quiet(() => gen.flowFromDirectory(formats, { targetSize: [5, 7], shuffle: false, batchSize: 16, classMode: null }));
      assert.strictEqual(it.samples, fixture.formats.length);
      const x = await it.getBatch(0);
      const order = it.filenames.map((f) => Number(path.basename(f).split('_')[0]));
      order.forEach((fi, k) => {
        const f = fixture.formats[fi];
        assert.deepStrictEqual(Array.from(x.dataSync().subarray(k * 105, (k + 1) * 105)), f.rgb, `${f.mode} ${f.ext}`);
      });
    });

    it('PNG variants (grey at 1 bit, grey+alpha, palette with transparency, colour key, RGBA) decode to PIL\'s pixels', async () => {
      const pngs = path.join(dir, 'pngs');
      fixture.pngs.forEach((f, i) => fs.writeFileSync(mk('pngs', 'k', `${i}.png`), Buffer.from(f.base64, 'base64')));
      // 16-bit and interlaced PNGs are left to sharp (Note [Own PNG decoding]): the same pixels.
      const base = pixels(7, 5, 3, 9);
      await sharp(base, { raw: { width: 7, height: 5, channels: 3 } }).png({ progressive: true }).toFile(mk('pngs', 'k', 'interlaced.png'));
      await sharp(base, { raw: { width: 7, height: 5, channels: 3 } }).toColourspace('rgb16').png().toFile(mk('pngs', 'k', 'sixteen.png'));
      const gen = tn.preprocessing.image.imageDataGenerator();
      const it = quiet(() => gen.flowFromDirectory(pngs, { targetSize: [5, 7], colorMode: 'rgba', shuffle: false, batchSize: 16, classMode: null }));
      const x = await it.getBatch(0);
      it.filenames.forEach((name, k) => {
        const got = Array.from(x.dataSync().subarray(k * 140, (k + 1) * 140));
        const stem = path.basename(name, '.png');
        if (stem === 'interlaced' || stem === 'sixteen') {
          assert.deepStrictEqual(got, Array.from(base).flatMap((v, i) => (i % 3 === 2 ? [v, 255] : [v])), stem);
        } else {
          const f = fixture.pngs[Number(stem)];
          assert.deepStrictEqual(got, f.rgba, `${f.mode} ${JSON.stringify(f.opts)}`);
        }
      });
    });

    it('tensornode\'s PNG decoder equals sharp\'s on PNGs with every row filter, palettes at 1, 4 and 8 bits, grey and alpha', async () => {
      const zlib = require('zlib');
      const filters = new Set();
      for (let t = 0; t < 40; t++) {
        const w = 1 + ((t * 7) % 23);
        const h = 1 + ((t * 5) % 17);
        const ch = [1, 2, 3, 4][t % 4];
        const raw = Buffer.alloc(w * h * ch);
        let s = t + 1;
        for (let i = 0; i < raw.length; i++) {
          s = (s * 1103515245 + 12345) >>> 0;
          raw[i] = t % 3 === 0 ? s >>> 24 : (i * 3 + (i % w) * 5) & 255;
        }
        let img = sharp(raw, { raw: { width: w, height: h, channels: ch } });
        if (ch < 3) img = img.toColourspace('b-w');
        const opts = [{ adaptiveFiltering: true }, { adaptiveFiltering: true, compressionLevel: 9 }, { palette: true, colours: 16 },
          { palette: true, colours: 2, bitdepth: 1 }, { palette: true, bitdepth: 4 }][t % 5];
        const file = mk('pngfuzz', 'k', `${String(t).padStart(2, '0')}.png`);
        await img.png(opts).toFile(file);
        const png = fs.readFileSync(file);
        const parts = [];
        for (let p = 8; p < png.length;) {
          const len = png.readUInt32BE(p);
          if (png.toString('latin1', p + 4, p + 8) === 'IDAT') parts.push(png.subarray(p + 8, p + 8 + len));
          p += 12 + len;
        }
        const rowBytes = Math.ceil((w * [1, 0, 3, 1, 2, 0, 4][png[25]] * png[24]) / 8);
        const inflated = zlib.inflateSync(Buffer.concat(parts));
        for (let y = 0; y < h; y++) filters.add(inflated[y * (rowBytes + 1)]);
        const ds = tn.data.imageDatasetFromDirectory(path.join(dir, 'pngfuzz', 'k', '..'), { labels: null, shuffle: false, batchSize: null,
          imageSize: [h, w], colorMode: 'rgba', verbose: false });
        const want = await sharp(file).ensureAlpha().raw().toBuffer();
        const got = (await ds.skip(t).take(1).toArray())[0];
        assert.deepStrictEqual(values(got), Array.from(want), `image ${t} ${w}x${h}x${ch} ${JSON.stringify(opts)}`);
      }
      assert.deepStrictEqual([...filters].sort(), [0, 1, 2, 3, 4], 'all five PNG row filters were exercised');
    });

    it('nearest resizing and colour modes equal Keras\' load_img (PIL) exactly', async () => {
      const lf = fixture.loadImg;
      const [h, w] = lf.shape;
      await sharp(Buffer.from(lf.rgba), { raw: { width: w, height: h, channels: 4 } }).png().toFile(mk('loadimg', 'k', 'a.png'));
      const gen = tn.preprocessing.image.imageDataGenerator();
      for (const c of lf.cases) {
        const it = quiet(() => gen.flowFromDirectory(path.join(dir, 'loadimg'), { targetSize: c.targetSize, colorMode: c.colorMode, batchSize: 1, classMode: null }));
        const x = await it.getBatch(0);
        assert.deepStrictEqual(values(x), c.out, `${c.colorMode} ${c.targetSize}`);
      }
    });

    it('resizing, crop and pad equal Keras\' image_dataset_from_directory (TensorFlow) exactly; grey within one level', async () => {
      const lf = fixture.loadImg;
      const [h, w] = lf.shape;
      await sharp(Buffer.from(lf.rgba), { raw: { width: w, height: h, channels: 4 } }).png().toFile(mk('tfresize', 'a.png'));
      for (const c of fixture.tfResize.cases) {
        const ds = tn.data.imageDatasetFromDirectory(path.join(dir, 'tfresize'), { labels: null, shuffle: false, batchSize: null, verbose: false,
          imageSize: c.imageSize, interpolation: c.interpolation, colorMode: c.colorMode, cropToAspectRatio: c.aspect === 'crop',
          padToAspectRatio: c.aspect === 'pad' });
        const [x] = await ds.toArray();
        // TensorFlow's PNG decoder makes grey with libpng's weights, PIL's within one level.
        assertClose(values(x), c.out, { atol: c.colorMode === 'grayscale' ? 1.0001 : 1e-3, rtol: 0,
          what: `${c.colorMode} ${c.imageSize} ${c.interpolation} ${c.aspect}` });
      }
    });

    it('labelMode categorical (an empty class still counts), binary, null; batchSize null; size', async () => {
      const cat = tn.data.imageDatasetFromDirectory(mixed, { shuffle: false, imageSize: [2, 3], batchSize: 3, labelMode: 'categorical', verbose: false });
      assert.strictEqual(cat.size, 3);
      const batches = await cat.toArray();
      assert.deepStrictEqual(batches.map(([x]) => x.shape[0]), [3, 3, 1]);
      assert.deepStrictEqual(batches[2][1].shape, [1, 3]);
      assert.deepStrictEqual(values(batches[1][1]), [1, 0, 0, 1, 0, 0, 0, 1, 0]);
      const two = path.join(dir, 'two');
      const bin = tn.data.imageDatasetFromDirectory(two, { shuffle: false, imageSize: [4, 6], labelMode: 'binary', verbose: false });
      const [[bx, by]] = await bin.toArray();
      assert.deepStrictEqual(by.shape, [3, 1]);
      assert.deepStrictEqual(values(by), [0, 1, 1]);
      assert.deepStrictEqual(bx.shape, [3, 4, 6, 3]);
      const single = tn.data.imageDatasetFromDirectory(two, { shuffle: false, imageSize: [4, 6], batchSize: null, verbose: false });
      assert.strictEqual(single.size, 3);
      const elems = await single.toArray();
      assert.deepStrictEqual(elems.map(([x, y]) => [x.shape, y.shape, values(y)[0]]), [[[4, 6, 3], [], 0], [[4, 6, 3], [], 1], [[4, 6, 3], [], 1]]);
      const unl = tn.data.imageDatasetFromDirectory(two, { shuffle: false, imageSize: [4, 6], labelMode: null, verbose: false });
      const [only] = await unl.toArray();
      assert.ok(only instanceof tn.Tensor);
      // Explicit labels, one per file in sorted path order.
      const explicit = tn.data.imageDatasetFromDirectory(two, { labels: [1, 0, 1], shuffle: false, imageSize: [4, 6], verbose: false });
      assert.deepStrictEqual(values((await explicit.toArray())[0][1]), [1, 0, 1]);
      assert.deepStrictEqual(explicit.classNames, ['0', '1']);
    });

    it('shuffle: each epoch a new order of the same files; repeatable with the seed', async () => {
      const many = path.join(dir, 'many');
      for (let i = 0; i < 20; i++) await writeImage(mk('many', i % 2 ? 'odd' : 'even', `${String(i).padStart(2, '0')}.png`), { w: 2, h: 2, seed: i });
      const order = async (ds) => (await ds.toArray()).flatMap(([x]) => {
        const v = x.dataSync();
        return Array.from({ length: x.shape[0] }, (_, k) => v[k * 12]);
      });
      const ds = tn.data.imageDatasetFromDirectory(many, { imageSize: [2, 2], batchSize: 4, seed: 5, verbose: false });
      const e1 = await order(ds);
      const e2 = await order(ds);
      assert.strictEqual(e1.length, 20);
      assert.deepStrictEqual([...e1].sort((a, b) => a - b), [...e2].sort((a, b) => a - b));
      assert.notDeepStrictEqual(e1, e2);
      const again = tn.data.imageDatasetFromDirectory(many, { imageSize: [2, 2], batchSize: 4, seed: 5, verbose: false });
      assert.deepStrictEqual([await order(again), await order(again)], [e1, e2]);
    });

    it('crop and pad to the aspect ratio, and the interpolation options', async () => {
      const wide = path.join(dir, 'wide');
      const raw = Buffer.alloc(4 * 8 * 3);
      for (let y = 0; y < 4; y++) for (let x = 0; x < 8; x++) raw.fill(x < 2 || x >= 6 ? 250 : 10, (y * 8 + x) * 3, (y * 8 + x + 1) * 3);
      await writeImage(mk('wide', 'k', 'w.png'), { w: 8, h: 4, raw });
      const load = async (args) => values((await tn.data.imageDatasetFromDirectory(wide, { imageSize: [4, 4], verbose: false, labelMode: null, ...args }).toArray())[0]);
      const crop = await load({ cropToAspectRatio: true, interpolation: 'nearest' });
      assert.ok(crop.every((v) => v === 10), 'the centre 4x4 is all dark');
      const pad = await load({ padToAspectRatio: true, interpolation: 'nearest' });
      assert.deepStrictEqual(pad.slice(0, 12), new Array(12).fill(0), 'the top row is padding');
      const stretched = await load({ interpolation: 'bilinear' });
      assert.ok(stretched[0] > 200 && stretched[3 * 1 + 0] < 250, 'stretched and blended');
      for (const interpolation of ['bicubic', 'lanczos3', 'mitchellcubic', 'NEAREST']) assert.strictEqual((await load({ interpolation })).length, 48);
      assert.throws(() => tn.data.imageDatasetFromDirectory(wide, { interpolation: 'area', verbose: false }), /interpolation 'area' is not implemented/);
      assert.throws(() => tn.data.imageDatasetFromDirectory(wide, { cropToAspectRatio: true, padToAspectRatio: true, verbose: false }), /Only one of/);
    });

    it('a corrupt file is an error naming it, or skipped with a warning by option', async () => {
      const bad = path.join(dir, 'bad');
      await writeImage(mk('bad', 'a', '1.png'));
      fs.writeFileSync(mk('bad', 'a', '2.png'), 'this is not a PNG file');
      const png = fs.readFileSync(path.join(bad, 'a', '1.png'));
      fs.writeFileSync(mk('bad', 'b', '3.png'), png.subarray(0, Math.floor(png.length / 2)));
      const jpg = mk('bad', 'b', '4.jpg');
      await writeImage(jpg, { w: 32, h: 32 });
      fs.writeFileSync(jpg, fs.readFileSync(jpg).subarray(0, 300));
      await writeImage(mk('bad', 'b', '5.png'), { seed: 3 });
      const strict = tn.data.imageDatasetFromDirectory(bad, { shuffle: false, imageSize: [4, 6], verbose: false });
      await assert.rejects(strict.toArray(), (e) => e.name === 'ImageDecodeError' && e.message.includes(path.join(bad, 'a', '2.png')));
      const gen = tn.preprocessing.image.imageDataGenerator({ rescale: 1 / 255 });
      const it = quiet(() => gen.flowFromDirectory(bad, { targetSize: [4, 6], shuffle: false, batchSize: 8, classMode: 'sparse' }));
      await assert.rejects(it.getBatch(0), /Cannot decode the image .*2\.png/);
      const warnings = [];
      const emitWarning = process.emitWarning;
      process.emitWarning = (message) => warnings.push(message);
      try {
        const skipping = tn.data.imageDatasetFromDirectory(bad, { shuffle: false, imageSize: [4, 6], verbose: false, onDecodeError: 'skip' });
        const [[x, y]] = await skipping.toArray();
        assert.deepStrictEqual(x.shape, [2, 4, 6, 3]);
        assert.deepStrictEqual(values(y), [0, 1]);
        const [[x2]] = await skipping.toArray();
        assert.strictEqual(x2.shape[0], 2);
      } finally {
        process.emitWarning = emitWarning;
      }
      assert.strictEqual(warnings.length, 3, `one warning per bad file, once: ${warnings.join(' | ')}`);
      for (const name of ['2.png', '3.png', '4.jpg']) assert.ok(warnings.some((w) => w.includes(name)), name);
    });

    it('bad arguments are errors naming the option, as Keras\'', () => {
      const two = path.join(dir, 'two');
      const opts = { verbose: false };
      assert.throws(() => tn.data.imageDatasetFromDirectory(path.join(dir, 'nope'), opts), /folder .*nope does not exist/);
      assert.throws(() => tn.data.imageDatasetFromDirectory(two, { ...opts, validationSplit: 0.2 }), /If subset is set, validationSplit must be set/);
      assert.throws(() => tn.data.imageDatasetFromDirectory(two, { ...opts, validationSplit: 0.2, subset: 'training' }), /you must provide a seed/);
      assert.throws(() => tn.data.imageDatasetFromDirectory(two, { ...opts, validationSplit: 1.2, subset: 'training', seed: 1 }), /validationSplit/);
      assert.throws(() => tn.data.imageDatasetFromDirectory(mk('mixed'), { ...opts, labelMode: 'binary' }), /labelMode 'binary' needs exactly 2 classes but there are 3/);
      assert.throws(() => tn.data.imageDatasetFromDirectory(two, { ...opts, classNames: ['pos', 'cats'] }), /classNames does not match/);
      assert.throws(() => tn.data.imageDatasetFromDirectory(two, { ...opts, imagesize: [2, 2] }), /unknown option 'imagesize'/);
      assert.throws(() => tn.data.imageDatasetFromDirectory(two, { ...opts, imageSize: [0, 2] }), /Expected \[height, width\]/);
      assert.throws(() => tn.data.imageDatasetFromDirectory(two, { ...opts, labels: [0, 1] }), /2 labels for 3 files/);
      fs.mkdirSync(mk('noimg', 'a', 'x'), { recursive: true });
      assert.throws(() => tn.data.imageDatasetFromDirectory(path.join(dir, 'noimg'), opts), /No images found in directory .*noimg/);
      const gen = tn.preprocessing.image.imageDataGenerator();
      assert.throws(() => quiet(() => gen.flowFromDirectory(mk('mixed'), { classMode: 'binary' })), /classMode 'binary' needs exactly 2 class subfolders/);
      assert.throws(() => gen.flowFromDirectory(two, { saveToDir: dir }), /saveToDir is not implemented/);
      assert.throws(() => gen.flowFromDirectory(two, { subset: 'training' }), /needs the generator's validationSplit/);
      assert.throws(() => gen.flowFromDirectory(two, { interpolation: 'box' }), /interpolation 'box' is not implemented/);
      assert.throws(() => gen.flowFromDirectory(two, { classes: ['pos', 'zebra'] }), /\["zebra"\] is not a subfolder/);
      assert.throws(() => tn.preprocessing.image.imageDataGenerator({ featurewiseCenter: true }), /featurewiseCenter is not implemented/);
      assert.throws(() => tn.preprocessing.image.imageDataGenerator({ rotation_range: 3 }), /unknown option 'rotation_range'/);
      assert.throws(() => tn.preprocessing.image.imageDataGenerator({ interpolationOrder: 3 }), /higher spline orders are not implemented for interpolationOrder but received 3/);
    });
  });

  describe('flowFromDirectory', () => {
    it('DirectoryIterator: Keras\' attributes, batches per class mode, shuffled epochs, getBatch and next()', async () => {
      const two = path.join(dir, 'two');
      const gen = tn.preprocessing.image.imageDataGenerator({ rescale: 1 / 255 });
      const it = quiet(() => gen.flowFromDirectory(two, { targetSize: [4, 6], batchSize: 2, classMode: 'binary', seed: 3 }));
      assert.strictEqual(it.samples, 3);
      assert.strictEqual(it.length, 2);
      assert.strictEqual(it.size, 2);
      assert.deepStrictEqual(it.classIndices, { neg: 0, pos: 1 });
      assert.deepStrictEqual(Array.from(it.classes), [0, 1, 1]);
      assert.deepStrictEqual(it.filenames, [path.join('neg', 'a.png'), path.join('pos', 'b.png'), path.join('pos', 'c.png')]);
      assert.strictEqual(it.filepaths[0], path.join(two, 'neg', 'a.png'));
      const epoch = await it.toArray();
      assert.deepStrictEqual(epoch.map(([x, y]) => [x.shape, y.shape]), [[[2, 4, 6, 3], [2]], [[1, 4, 6, 3], [1]]]);
      assert.ok(values(epoch[0][0]).every((v) => v >= 0 && v <= 1), 'rescaled');
      const [x0, y0] = await it.getBatch(0);
      assert.deepStrictEqual(x0.shape, [2, 4, 6, 3]);
      assert.strictEqual(y0.dtype, 'float32');
      const streamed = [];
      for (let i = 0; i < 5; i++) streamed.push((await it.next())[0].shape[0]);
      assert.deepStrictEqual(streamed, [2, 1, 2, 1, 2], 'next() runs through epochs without end');
      const cat = quiet(() => gen.flowFromDirectory(two, { targetSize: [4, 6], shuffle: false }));
      const [[, yc]] = await cat.toArray();
      assert.deepStrictEqual(values(yc), [1, 0, 0, 1, 0, 1]);
      const sparse = quiet(() => gen.flowFromDirectory(two, { targetSize: [4, 6], shuffle: false, classMode: 'sparse' }));
      assert.deepStrictEqual(values((await sparse.toArray())[0][1]), [0, 1, 1]);
      const input = quiet(() => gen.flowFromDirectory(two, { targetSize: [4, 6], shuffle: false, classMode: 'input' }));
      const [[xi, yi]] = await input.toArray();
      assert.deepStrictEqual(values(xi), values(yi));
    });

    it('augmentation is repeatable with a seed and different every epoch', async () => {
      const many = path.join(dir, 'many');
      const gen = tn.preprocessing.image.imageDataGenerator({ rotationRange: 30, widthShiftRange: 0.2, heightShiftRange: 0.2, zoomRange: 0.2,
        horizontalFlip: true, rescale: 1 / 255 });
      const make = () => quiet(() => gen.flowFromDirectory(many, { targetSize: [8, 8], batchSize: 5, classMode: 'binary', seed: 11 }));
      const a = make();
      const b = make();
      const ea = (await a.toArray()).map(([x]) => values(x));
      const eb = (await b.toArray()).map(([x]) => values(x));
      assert.deepStrictEqual(ea, eb);
      const ea2 = (await a.toArray()).map(([x]) => values(x));
      assert.notDeepStrictEqual(ea, ea2);
      const plain = quiet(() => tn.preprocessing.image.imageDataGenerator({ rescale: 1 / 255 }).flowFromDirectory(many, { targetSize: [8, 8], batchSize: 5, classMode: 'binary', seed: 11 }));
      assert.notDeepStrictEqual((await plain.toArray()).map(([x]) => values(x)), ea);
    });

    it('trains a small CNN from a folder with fit(generator) and evaluate(generator), as the seed code', async function () {
      // Two classes a CNN tells apart: horizontal and vertical stripes, random phase and contrast.
      const stripes = path.join(dir, 'stripes');
      let s = 1;
      const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
      for (const split of ['train', 'test']) {
        for (let i = 0; i < (split === 'train' ? 48 : 16); i++) {
          for (const cls of ['horizontal', 'vertical']) {
            const raw = Buffer.alloc(16 * 16 * 3);
            const phase = Math.floor(rand() * 4);
            const lo = Math.floor(rand() * 80);
            const hi = 160 + Math.floor(rand() * 95);
            for (let y = 0; y < 16; y++) {
              for (let x = 0; x < 16; x++) raw.fill(((cls === 'horizontal' ? y : x) + phase) % 4 < 2 ? hi : lo, (y * 16 + x) * 3, (y * 16 + x + 1) * 3);
            }
            await writeImage(mk('stripes', split, cls, `${i}.${i % 2 ? 'png' : 'webp'}`), { w: 16, h: 16, raw });
          }
        }
      }
      const gen = tn.preprocessing.image.imageDataGenerator({ rescale: 1 / 255 });
      const train = quiet(() => gen.flowFromDirectory(path.join(stripes, 'train'), { targetSize: [16, 16], batchSize: 16, classMode: 'binary', seed: 1 }));
      const test = quiet(() => gen.flowFromDirectory(path.join(stripes, 'test'), { targetSize: [16, 16], batchSize: 16, classMode: 'binary', shuffle: false }));
      tn.setSeed(4);
      const model = tn.sequential({
        layers: [
          tn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [16, 16, 3] }),
          tn.layers.maxPooling2d({ poolSize: 2 }),
          tn.layers.flatten(),
          tn.layers.dense({ units: 8, activation: 'relu' }),
          tn.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      model.compile({ optimizer: tn.train.adam(0.01), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
      const h = await model.fit(train, { epochs: 8, verbose: 0, validationData: test });
      const [, acc] = await model.evaluate(test);
      assert.ok(acc.dataSync()[0] >= 0.9, `test accuracy ${acc.dataSync()[0]} (history ${h.history.val_acc})`);
      assert.strictEqual(h.params.steps, 6);
    });
  });
});
