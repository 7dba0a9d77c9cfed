#!/usr/bin/env node
// npm run check:cuda — compile-checks the CUDA plugin without a GPU.
//
// 1. Compiles every .cu / .cpp in native/cuda with `nvcc -c` (sm_90, C++17) into a temp dir, no linking.
// 2. Then (unless --no-link, and only where the libraries are found) links the objects into a shared
//    library with -Wl,--no-undefined against cudart (nvcc's own), cuBLASLt/cuBLAS (the toolkit's, or
//    ../shared/cuda-sdk/lib/stubs) and, where libcudnn.so is absent, a generated stub of exactly the cuDNN
//    functions the objects use: a missing symbol (say, a call that resolved to the CPU backend by
//    argument-dependent lookup) then fails here instead of at dlopen on the GPU machine.
// Exits non-zero on any error, and says clearly when nvcc or the cuDNN headers are missing.
//
// Environment: CUDACXX or CUDA_HOME (nvcc), CUDNN_INCLUDE_DIR (cudnn.h), CUDNN_LIBRARY (libcudnn.so),
// CUDA_ARCH (default 90).
'use strict';
const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const srcDir = path.join(root, 'native', 'cuda');
const args = new Set(process.argv.slice(2));

function findNvcc() {
  const candidates = [
    process.env.CUDACXX,
    process.env.CUDA_HOME && path.join(process.env.CUDA_HOME, 'bin', 'nvcc'),
    ...(process.env.PATH || '').split(path.delimiter).map((d) => path.join(d, 'nvcc')),
    '/usr/local/cuda/bin/nvcc',
  ].filter(Boolean);
  return candidates.find((c) => fs.existsSync(c)) || null;
}

function findCudnnInclude() {
  const candidates = [
    process.env.CUDNN_INCLUDE_DIR,
    path.join(root, '..', 'shared', 'cuda-sdk', 'include'),
    '/usr/include/x86_64-linux-gnu',
    '/usr/include',
    '/usr/local/cuda/include',
  ].filter(Boolean);
  return candidates.find((d) => fs.existsSync(path.join(d, 'cudnn.h'))) || null;
}

function fail(message) {
  console.error(`check:cuda: ${message}`);
  process.exit(1);
}

const nvcc = findNvcc();
if (!nvcc) {
  fail('nvcc not found (looked at $CUDACXX, $CUDA_HOME/bin, $PATH and /usr/local/cuda/bin). ' +
    'Install the CUDA toolkit (>= 12) or set CUDACXX; nothing was compiled.');
}
const cudnnInclude = findCudnnInclude();
if (!cudnnInclude) {
  fail('cudnn.h not found (set CUDNN_INCLUDE_DIR; looked in ../shared/cuda-sdk/include, /usr/include). Nothing was compiled.');
}
const arch = process.env.CUDA_ARCH || '90';
const nvccVersion = execFileSync(nvcc, ['--version']).toString().match(/release ([\d.]+)/)?.[1] ?? '?';

const sources = fs.readdirSync(srcDir).filter((f) => /\.(cu|cpp)$/.test(f)).sort();
if (sources.length === 0) fail(`no .cu or .cpp files in ${srcDir}`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tn-check-cuda-'));
console.log(`check:cuda: nvcc ${nvccVersion} (${nvcc}), sm_${arch}, cuDNN headers from ${cudnnInclude}, objects in ${tmp}`);

const common = [
  '-std=c++17', `-arch=sm_${arch}`, '-O2', '-DTN_CUDA_BUILDING_PLUGIN',
  '-Xcompiler', '-fPIC,-fvisibility=hidden,-Wall,-Wno-unused-function',
  `-I${path.join(root, 'native')}`, `-I${cudnnInclude}`,
];

function run(cmd, argv) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
    child.on('error', (e) => resolve({ code: -1, out: String(e) }));
  });
}

async function compileAll() {
  const objects = [];
  let failed = 0;
  const queue = [...sources];
  const workers = Array.from({ length: Math.min(os.cpus().length, 8, queue.length) }, async () => {
    while (queue.length) {
      const file = queue.shift();
      const obj = path.join(tmp, file.replace(/\.(cu|cpp)$/, '.o'));
      const t0 = Date.now();
      const { code, out } = await run(nvcc, [...common, '-c', path.join('native', 'cuda', file), '-o', obj]);
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      if (code === 0) {
        console.log(`  ok    ${file} (${secs}s)${out.trim() ? `\n${out.trim()}` : ''}`);
        objects.push(obj);
      } else {
        failed++;
        console.log(`  FAIL  ${file}\n${out.trim()}`);
      }
    }
  });
  await Promise.all(workers);
  return { objects, failed };
}

function findLibDir(names, dirs) {
  return dirs.find((d) => d && names.every((n) => fs.existsSync(path.join(d, n)))) || null;
}

async function linkCheck(objects) {
  const cudaHome = process.env.CUDA_HOME || path.resolve(path.dirname(nvcc), '..');
  const blasDir = findLibDir(['libcublasLt.so', 'libcublas.so'], [
    path.join(cudaHome, 'lib64'), path.join(cudaHome, 'lib'), '/usr/local/cuda/lib64',
    path.join(root, '..', 'shared', 'cuda-sdk', 'lib', 'stubs'),
  ]);
  if (!blasDir) {
    console.log('check:cuda: link check skipped: libcublasLt.so / libcublas.so not found');
    return true;
  }
  const linkArgs = ['-shared', `-arch=sm_${arch}`, '-o', path.join(tmp, 'libtensornode_cuda.so'), ...objects,
    `-L${blasDir}`, '-lcublasLt', '-lcublas', '-Xlinker', '--no-undefined'];
  let cudnnNote;
  const cudnnLib = process.env.CUDNN_LIBRARY && fs.existsSync(process.env.CUDNN_LIBRARY) ? process.env.CUDNN_LIBRARY : null;
  if (cudnnLib) {
    linkArgs.push(cudnnLib);
    cudnnNote = cudnnLib;
  } else {
    // A stub defining the cuDNN functions the objects reference (names only: this checks linkage).
    const undefinedSyms = execFileSync('nm', ['-u', ...objects]).toString().split('\n')
      .map((l) => l.trim().split(/\s+/).pop()).filter((s) => s && /^cudnn/.test(s));
    const names = [...new Set(undefinedSyms)].sort();
    const stubSrc = path.join(tmp, 'cudnn_stub.c');
    fs.writeFileSync(stubSrc, names.map((n) => `void ${n}(void) {}`).join('\n') + '\n');
    const stubLib = path.join(tmp, 'libcudnn.so');
    const r = await run('cc', ['-shared', '-fPIC', '-o', stubLib, stubSrc]);
    if (r.code !== 0) {
      console.log(`check:cuda: link check skipped: could not build the cuDNN stub:\n${r.out}`);
      return true;
    }
    linkArgs.push(`-L${tmp}`, '-lcudnn');
    cudnnNote = `a generated stub of ${names.length} cuDNN functions (${names.join(', ')})`;
  }
  const { code, out } = await run(nvcc, linkArgs);
  if (code !== 0) {
    console.log(`  FAIL  link (--no-undefined)\n${out.trim()}`);
    return false;
  }
  const exported = execFileSync('nm', ['-D', '--defined-only', path.join(tmp, 'libtensornode_cuda.so')]).toString();
  if (!/\btn_cuda_get_api\b/.test(exported)) {
    console.log('  FAIL  link: tn_cuda_get_api is not exported');
    return false;
  }
  console.log(`  ok    link with --no-undefined against ${blasDir} and ${cudnnNote}; exports tn_cuda_get_api`);
  return true;
}

(async () => {
  const { objects, failed } = await compileAll();
  if (failed) fail(`${failed} of ${sources.length} files failed to compile`);
  if (!args.has('--no-link') && !(await linkCheck(objects))) fail('link check failed');
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`check:cuda: ${sources.length} files compiled${args.has('--no-link') ? '' : ', link checked'}: OK`);
})();
