#!/usr/bin/env node
// npm run build:cuda — builds the CUDA plugin (CMakeLists.txt) into build/cuda/libtensornode_cuda.so,
// where the addon's loader finds it (native/addon/cuda_loader.cpp).
//
// Plain CMake rather than cmake-js: the plugin is a C-ABI shared library with no Node-API code, so it
// needs no Node headers, and the GPU machines it is built on are offline (cmake-js would fetch headers
// or need node-api-headers). Arguments after `--` go to the CMake configure step, e.g.
//   npm run build:cuda -- -DCMAKE_CUDA_ARCHITECTURES=90
// Environment: CUDNN_INCLUDE_DIR, CUDNN_LIBRARY (cuDNN 9), CUDACXX / CUDA_HOME (nvcc), JOBS.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const buildDir = path.join(root, 'build', 'cuda');

function which(cmd) {
  return (process.env.PATH || '').split(path.delimiter).some((d) => fs.existsSync(path.join(d, cmd)));
}
function step(argv) {
  console.log(`build:cuda: cmake ${argv.join(' ')}`);
  const r = spawnSync('cmake', argv, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build:cuda: cmake failed (exit ${r.status ?? r.signal}); the CPU addon is unaffected`);
    process.exit(r.status || 1);
  }
}

if (!which('cmake')) {
  console.error('build:cuda: cmake not found on PATH (CMake >= 3.24 is needed to build the CUDA plugin)');
  process.exit(1);
}
const env = process.env;
if (!env.CUDACXX) {
  const nvcc = [env.CUDA_HOME && path.join(env.CUDA_HOME, 'bin', 'nvcc'), '/usr/local/cuda/bin/nvcc'].find(
    (p) => p && fs.existsSync(p));
  if (nvcc && !which('nvcc')) env.CUDACXX = nvcc;
}
const extra = process.argv.slice(2);
step(['-S', root, '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', ...extra]);
step(['--build', buildDir, '--parallel', String(env.JOBS || os.cpus().length)]);
const lib = path.join(buildDir, 'libtensornode_cuda.so');
if (!fs.existsSync(lib)) {
  console.error(`build:cuda: the build finished but ${lib} is missing`);
  process.exit(1);
}
console.log(`build:cuda: built ${lib}`);
