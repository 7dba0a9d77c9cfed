#!/usr/bin/env node
// `npm run prebuild`: builds the addon from source (release, stripped: binding.gyp links with -s)
// and places it where the published package and lib/native.ts look for it, in prebuildify's
// layout read by node-gyp-build:
//
//   prebuilds/<platform>-<arch>/tensornode.napi[.<libc>].node     e.g. prebuilds/linux-x64/tensornode.napi.glibc.node
//
// Tags are '.'-separated: 'napi' = one Node-API build for every Node >= 20 (NAPI_VERSION=8);
// on Linux the libc ('glibc' or 'musl') the binary was linked against, so a glibc build is never
// picked on Alpine. 'tensornode' is the file's name; node-gyp-build ignores tags it does not know.
// Then the CUDA plugin hook (see below), then a check that the copied binary loads.
//
// Usage: node scripts/prebuild.js [--no-build]   (--no-build: copy the existing build/Release)
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { buildNative } = require('./build-native');

const root = path.resolve(__dirname, '..');

/** 'glibc' or 'musl' on Linux, null elsewhere (the same test lib/native.ts uses). */
function libcTag() {
  if (process.platform !== 'linux') return null;
  if (process.env.LIBC === 'glibc' || process.env.LIBC === 'musl') return process.env.LIBC;
  const report = process.report && process.report.getReport();
  return report && report.header && report.header.glibcVersionRuntime ? 'glibc' : 'musl';
}

function prebuildName() {
  const libc = libcTag();
  return ['tensornode', 'napi', ...(libc ? [libc] : []), 'node'].join('.');
}

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// HOOK: CUDA plugin (issue 5, not built yet).
// The CUDA plugin is a separate shared library built by CMake (cmake-js) from native/cuda/ and
// CMakeLists.txt where nvcc (CUDA >= 12) and cuDNN 9 are present, then loaded at run time by the
// addon. When it exists, its prebuilt file goes next to the addon in prebuilds/<platform>-<arch>/
// with 'cuda' in its name (lib/native.ts never mistakes it for the addon). Until then every
// missing piece skips this step with a message; nothing here fails the CPU prebuild.
// ---------------------------------------------------------------------------------------------
function cudaPluginHook(outDir) {
  const missing = [];
  if (!fs.existsSync(path.join(root, 'native', 'cuda'))) missing.push('native/cuda/');
  if (!fs.existsSync(path.join(root, 'CMakeLists.txt'))) missing.push('CMakeLists.txt');
  const cudaHome = process.env.CUDA_HOME || process.env.CUDA_PATH || '/usr/local/cuda';
  const nvcc = which('nvcc') || (fs.existsSync(path.join(cudaHome, 'bin', 'nvcc')) ? path.join(cudaHome, 'bin', 'nvcc') : null);
  if (!nvcc) missing.push('nvcc (CUDA toolkit)');
  if (missing.length > 0) {
    console.log(`[prebuild] CUDA plugin: skipped (no ${missing.join(', no ')}); the CPU addon is complete without it`);
    return;
  }
  let cmakeJs;
  try {
    cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  } catch {
    console.log('[prebuild] CUDA plugin: skipped (cmake-js is not installed; the CUDA plugin issue adds it)');
    return;
  }
  const buildDir = path.join(root, 'build-cuda');
  console.log(`[prebuild] CUDA plugin: cmake-js compile (nvcc: ${nvcc}) into ${path.relative(root, buildDir)}/`);
  const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', buildDir], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.warn(`[prebuild] CUDA plugin: build failed (exit ${r.status}); prebuilds hold the CPU addon only`);
    return;
  }
  const produced = fs.readdirSync(path.join(buildDir, 'Release')).filter((f) => /cuda.*\.(node|so)$/.test(f));
  for (const f of produced) {
    fs.copyFileSync(path.join(buildDir, 'Release', f), path.join(outDir, f));
    console.log(`[prebuild] CUDA plugin: ${path.relative(root, path.join(outDir, f))}`);
  }
  if (produced.length === 0) console.warn('[prebuild] CUDA plugin: built, but no *cuda*.node/.so found in build-cuda/Release');
}

function main() {
  const noBuild = process.argv.includes('--no-build');
  const built = noBuild ? path.join(root, 'build', 'Release', 'tensornode.node') : buildNative();
  if (!fs.existsSync(built)) throw new Error(`${built} does not exist: run without --no-build`);

  const outDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  fs.mkdirSync(outDir, { recursive: true });
  // Stale addon builds (other names or tags) would compete with the new one; CUDA files stay.
  for (const f of fs.readdirSync(outDir)) {
    if (f.endsWith('.node') && !f.includes('cuda')) fs.rmSync(path.join(outDir, f));
  }
  const dest = path.join(outDir, prebuildName());
  fs.copyFileSync(built, dest);

  cudaPluginHook(outDir);

  // The copy must load on its own, in a fresh process.
  const check = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(dest)}); console.log(a.numThreads() + ' threads, gemm ' + a.gemmKernel())`],
    { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`the prebuilt addon does not load: ${check.stderr}`);
  const kib = (fs.statSync(dest).size / 1024).toFixed(0);
  console.log(`[prebuild] ${path.relative(root, dest)} (${kib} KiB) loads: ${check.stdout.trim()}`);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`[prebuild] ${e.message}`);
    process.exit(1);
  }
}

module.exports = { prebuildName, libcTag };
