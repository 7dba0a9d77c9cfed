// The published package, as a user gets it: `npm pack` the working tree (dist/ and the prebuilt
// addon from `npm run prebuild`), install the tarball into a fresh project offline, with an empty
// npm cache, npm's default settings and a PATH holding only node and npm (no compiler, make or
// python), then train XOR through require('tensornode') and import it as ESM. Also checks the
// tarball's contents, that it declares no install-time build, and the prebuilt binary's hygiene
// (stripped release build, only system libraries as dynamic dependencies).
//
// Needs prebuilds/<platform>-<arch>/ (`npm run prebuild`; .ci/run does it before `npm test`).
// Without them the suite is skipped with the reason, except under CI=true, where it fails.
// Prints the tarball size and the install time. TENSORNODE_KEEP_TMP=1 keeps the temp folder.
'use strict';
const assert = require('assert');
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const platformDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);

/** npm's JavaScript entry point (npm-cli.js), run with this node. */
function findNpmCli() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(process.env.npm_execpath);
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, 'npm');
    if (fs.existsSync(p)) candidates.push(fs.realpathSync(p));
  }
  candidates.push(path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'));
  const found = candidates.find((p) => /npm-cli\.js$/.test(p) && fs.existsSync(p));
  if (!found) throw new Error(`npm-cli.js not found (looked at ${candidates.join(', ')})`);
  return found;
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return r;
}

function which(cmd, pathValue) {
  for (const dir of pathValue.split(path.delimiter)) {
    const p = path.join(dir, cmd);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

const XOR_CJS = `
const tn = require('tensornode');
(async () => {
  tn.setSeed(1);
  const x = tn.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = tn.tensor2d([[0], [1], [1], [0]]);
  const model = tn.sequential({
    layers: [tn.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }), tn.layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  model.compile({ optimizer: tn.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(x, y, { epochs: 200, batchSize: 4, verbose: 0 });
  const pred = Array.from(model.predict(x).dataSync(), (p) => (p > 0.5 ? 1 : 0));
  const info = tn.backendInfo();
  console.log(JSON.stringify({ acc: history.acc.at(-1), loss: history.loss.at(-1), pred, addonPath: info.cpu.addonPath,
    gemm: info.cpu.gemmKernel, resolved: require.resolve('tensornode') }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

const ESM = `
import * as tn from 'tensornode';
import { tensor2d, sequential, layers, version } from 'tensornode';
const t = tensor2d([[1, 2], [3, 4]]);
const model = sequential({ layers: [layers.dense({ units: 3, inputShape: [2] })] });
const out = model.predict(t);
console.log(JSON.stringify({ version, namespaceKeys: Object.keys(tn).length, hasSequential: typeof tn.sequential,
  shape: out.shape, sum: Array.from(t.dataSync()).reduce((a, b) => a + b, 0) }));
`;

describe('npm package: the packed tarball installs offline with no compiler and no install script', function () {
  this.timeout(120000);
  let tmp;
  let pack; // npm pack --json entry
  let consumer;
  let sandboxEnv;
  let installed; // node_modules/tensornode in the consumer

  before(function () {
    const prebuilt = fs.existsSync(platformDir) ? fs.readdirSync(platformDir).filter((f) => f.endsWith('.node')) : [];
    const missing = [];
    if (prebuilt.length === 0) missing.push(`no prebuilt addon in ${path.relative(root, platformDir)}/ (run \`npm run prebuild\`)`);
    if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) missing.push('no dist/index.js (run `npm run build:ts`)');
    if (missing.length > 0) {
      if (process.env.CI) throw new Error(`CI must build the package before testing it: ${missing.join('; ')}`);
      console.log(`      skipped: ${missing.join('; ')}`);
      this.skip();
    }

    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tensornode-pkg-'));
    const npmCli = findNpmCli();

    // 1. Pack the working tree. --ignore-scripts: "prepare" would rebuild what is already built.
    const packDir = path.join(tmp, 'pack');
    fs.mkdirSync(packDir);
    const packed = run(process.execPath, [npmCli, 'pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: root });
    pack = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')))[0];
    const tarball = path.join(packDir, pack.filename);
    console.log(`      tarball: ${pack.filename}, ${(pack.size / 1024).toFixed(1)} KiB packed, ` +
      `${(pack.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${pack.entryCount} files`);

    // 2. A sandbox: PATH holds only node and npm; empty HOME (no ~/.npmrc), empty global config,
    //    empty npm cache; no npm_config_* from the environment, so npm runs with its defaults.
    const bin = path.join(tmp, 'bin');
    const home = path.join(tmp, 'home');
    fs.mkdirSync(bin);
    fs.mkdirSync(home);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.symlinkSync(npmCli, path.join(bin, 'npm'));
    fs.writeFileSync(path.join(tmp, 'globalnpmrc'), '');
    sandboxEnv = {
      PATH: bin,
      HOME: home,
      TMPDIR: tmp,
      npm_config_cache: path.join(tmp, 'npm-cache'),
      npm_config_globalconfig: path.join(tmp, 'globalnpmrc'),
      npm_config_userconfig: path.join(home, '.npmrc'),
    };
    for (const tool of ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python3', 'python']) {
      assert.strictEqual(which(tool, sandboxEnv.PATH), null, `${tool} must not be on the sandbox PATH`);
    }

    // 3. Install the tarball into a fresh project, offline.
    consumer = path.join(tmp, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const started = process.hrtime.bigint();
    run(process.execPath, [npmCli, 'install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: consumer, env: sandboxEnv });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`      npm install --offline <tarball>: ${seconds.toFixed(2)} s (empty cache, no compiler on PATH)`);
    installed = path.join(consumer, 'node_modules', 'tensornode');
  });

  after(() => {
    if (tmp && !process.env.TENSORNODE_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
    else if (tmp) console.log(`      kept ${tmp}`);
  });

  it('holds dist/ (JS and .d.ts), prebuilds/, README.md, LICENSE and package.json, and nothing else', () => {
    const files = pack.files.map((f) => f.path);
    const allowed = [/^package\.json$/, /^README\.md$/, /^LICENSE$/, /^dist\/.+\.(js|d\.ts|js\.map)$/, /^prebuilds\/[^/]+\/[^/]+\.(node|so)$/];
    const unexpected = files.filter((f) => !allowed.some((re) => re.test(f)));
    assert.deepStrictEqual(unexpected, [], `files that must not be published: ${unexpected.join(', ')}`);
    for (const required of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
      assert.ok(files.includes(required), `${required} missing from the tarball`);
    }
    const addon = files.filter((f) => f.startsWith(`prebuilds/${process.platform}-${process.arch}/`) && f.endsWith('.node'));
    assert.ok(addon.length > 0, `no prebuilds/${process.platform}-${process.arch}/*.node in the tarball`);
  });

  it('declares no install-time build and no runtime dependency', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    const scripts = pkg.scripts || {};
    for (const s of ['preinstall', 'install', 'postinstall']) assert.strictEqual(scripts[s], undefined, `the package has a "${s}" script`);
    // npm adds `node-gyp rebuild` as the install script of a package that ships binding.gyp.
    assert.ok(!fs.existsSync(path.join(installed, 'binding.gyp')), 'binding.gyp must not be published');
    assert.notStrictEqual(pkg.gypfile, true, '"gypfile": true would ask npm to run node-gyp');
    assert.deepStrictEqual(Object.keys(pkg.dependencies || {}), [], 'runtime dependencies would need the registry');
    const lock = JSON.parse(fs.readFileSync(path.join(consumer, 'package-lock.json'), 'utf8'));
    const entry = lock.packages['node_modules/tensornode'];
    assert.ok(entry, 'tensornode missing from the consumer lockfile');
    assert.notStrictEqual(entry.hasInstallScript, true, 'npm recorded an install script for tensornode');
    assert.ok(!fs.existsSync(path.join(installed, 'build')), 'something built the addon during install');
    assert.deepStrictEqual(fs.readdirSync(path.join(consumer, 'node_modules')).filter((d) => !d.startsWith('.')), ['tensornode']);
  });

  it('trains XOR to accuracy 1 through require("tensornode"), on the prebuilt addon', () => {
    fs.writeFileSync(path.join(consumer, 'xor.cjs'), XOR_CJS);
    const r = run(process.execPath, ['xor.cjs'], { cwd: consumer, env: sandboxEnv });
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
    assert.strictEqual(out.resolved, path.join(fs.realpathSync(installed), 'dist', 'index.js'));
    assert.ok(out.addonPath.startsWith(path.join(fs.realpathSync(installed), 'prebuilds', `${process.platform}-${process.arch}`)),
      `loaded ${out.addonPath}, not the package's prebuilt addon`);
    assert.strictEqual(out.acc, 1, `final accuracy ${out.acc}`);
    assert.deepStrictEqual(out.pred, [0, 1, 1, 0]);
    assert.ok(out.loss < 0.05, `final loss ${out.loss}`);
    console.log(`      XOR: accuracy ${out.acc}, loss ${out.loss.toFixed(4)}, gemm ${out.gemm}, addon ${path.relative(installed, out.addonPath)}`);
  });

  it('works as an ES module: import * as tn from "tensornode" and named imports', () => {
    fs.writeFileSync(path.join(consumer, 'esm.mjs'), ESM);
    const r = run(process.execPath, ['esm.mjs'], { cwd: consumer, env: sandboxEnv });
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
    assert.strictEqual(out.hasSequential, 'function');
    assert.ok(out.namespaceKeys > 10, `namespace has ${out.namespaceKeys} keys`);
    assert.deepStrictEqual(out.shape, [2, 3]);
    assert.strictEqual(out.sum, 10);
  });

  it('ships a stripped release addon that links only system libraries', function () {
    const dir = path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`);
    const addons = fs.readdirSync(dir).filter((f) => f.endsWith('.node') && !f.includes('cuda'));
    assert.ok(addons.length > 0);
    if (process.platform !== 'linux') this.skip();
    const readelf = which('readelf', process.env.PATH || '');
    if (!readelf) {
      console.log('      skipped: readelf (binutils) is not installed');
      this.skip();
    }
    for (const name of addons) {
      const file = path.join(dir, name);
      const size = fs.statSync(file).size;
      // A debug or unstripped build is several times larger; this bound leaves room for new ops.
      assert.ok(size < 8 * 1024 * 1024, `${name} is ${size} bytes`);

      const sections = run(readelf, ['-S', '-W', file]).stdout;
      assert.ok(!/\s\.symtab\s/.test(sections), `${name} has a .symtab: not stripped`);
      assert.ok(!/\s\.debug_\w+/.test(sections), `${name} has .debug_* sections: not a release build`);

      const needed = [...run(readelf, ['-d', '-W', file]).stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
      const system = /^(libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt)\.so\.\d+$|^ld-linux[-\w.]*\.so\.\d+$/;
      const foreign = needed.filter((lib) => !system.test(lib));
      assert.deepStrictEqual(foreign, [], `${name} needs non-system libraries: ${foreign.join(', ')}`);

      // What the binary asks of the user's system (reported; the build machine's glibc sets it).
      const versions = run(readelf, ['-V', '-W', file]).stdout;
      const newest = (prefix) => [...versions.matchAll(new RegExp(`${prefix}_([\\d.]+)`, 'g'))].map((m) => m[1])
        .sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).at(-1);
      const fileInfo = which('file', process.env.PATH || '') ? run('file', ['-b', file]).stdout.trim() : 'file(1) not installed';
      if (!fileInfo.startsWith('file(1)')) assert.ok(/, stripped/.test(fileInfo), `file(1): ${fileInfo}`);
      console.log(`      ${name}: ${(size / 1024).toFixed(0)} KiB, NEEDED ${needed.join(' ')}; ` +
        `needs GLIBC_${newest('GLIBC')}, GLIBCXX_${newest('GLIBCXX')}; ${fileInfo.split(',').slice(0, 2).join(',')}, stripped`);
    }
  });
});
