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
// The CUDA plugin (issue 5): a separate shared library built by CMake from native/cuda/ through
// scripts/build-cuda.js, loaded at run time by the addon (native/addon/cuda_loader.cpp), which looks
// for it as prebuilds/<platform>-<arch>/tensornode_cuda.so. It is built only where nvcc and cuDNN 9's
// headers are found (the GPU machine); anywhere else this step says what is missing and the
// prebuilds hold the CPU addon only, which is complete without it.
// ---------------------------------------------------------------------------------------------
function cudnnHeaderDir() {
  const dirs = [process.env.CUDNN_INCLUDE_DIR, '/usr/include/x86_64-linux-gnu', '/usr/include', '/usr/local/cuda/include'];
  return dirs.find((d) => d && fs.existsSync(path.join(d, 'cudnn_version.h'))) || null;
}

function cudaPluginHook(outDir) {
  const missing = [];
  if (!fs.existsSync(path.join(root, 'native', 'cuda'))) missing.push('native/cuda/');
  if (!fs.existsSync(path.join(root, 'CMakeLists.txt'))) missing.push('CMakeLists.txt');
  const cudaHome = process.env.CUDA_HOME || process.env.CUDA_PATH || '/usr/local/cuda';
  const nvcc = which('nvcc') || (fs.existsSync(path.join(cudaHome, 'bin', 'nvcc')) ? path.join(cudaHome, 'bin', 'nvcc') : null);
  if (!nvcc) missing.push('nvcc (CUDA toolkit)');
  if (!cudnnHeaderDir()) missing.push('cuDNN 9 headers (set CUDNN_INCLUDE_DIR)');
  if (missing.length > 0) {
    console.log(`[prebuild] CUDA plugin: skipped (no ${missing.join(', no ')}); the CPU addon is complete without it`);
    return;
  }
  console.log(`[prebuild] CUDA plugin: npm run build:cuda (nvcc: ${nvcc})`);
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-cuda.js')], { cwd: root, stdio: 'inherit' });
  const built = path.join(root, 'build', 'cuda', 'libtensornode_cuda.so');
  if (r.status !== 0 || !fs.existsSync(built)) {
    console.warn(`[prebuild] CUDA plugin: build failed (exit ${r.status}); prebuilds hold the CPU addon only`);
    return;
  }
  const target = path.join(outDir, 'tensornode_cuda.so');
  fs.copyFileSync(built, target);
  console.log(`[prebuild] CUDA plugin: ${path.relative(root, target)}`);
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
