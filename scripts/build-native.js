#!/usr/bin/env node
// Builds the native addon from source with node-gyp into build/Release/tensornode.node.
// Used by `npm run build:native`, by "prepare" (so `npm install` in a git clone builds it) and by
// scripts/prebuild.js. Needs python3, make and a C++17 compiler; see README "Building from source".
//
// Note [Node headers for node-gyp]
// node-gyp needs Node's headers (include/node/node_api.h, common.gypi). Without --nodedir it
// downloads them from nodejs.org, which a CI machine or a sandbox may not reach. Most Node installs
// (official tarballs, nodesource and Debian packages) ship them next to the binary, in
// <prefix>/include/node, so we pass --nodedir ourselves: the npm_config_nodedir setting when it
// points at headers (npm 11 still forwards a user "nodedir" to scripts but warns it is an unknown
// config and will stop), else the prefix of the running node; only when neither has the headers is
// node-gyp left to download them. The addon uses Node-API only (NAPI_VERSION=8), so headers of any
// Node >= 20 produce one binary that loads in every Node >= 20.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');

function hasHeaders(dir) {
  return !!dir && fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')) &&
    fs.existsSync(path.join(dir, 'include', 'node', 'common.gypi'));
}

/** The --nodedir to give node-gyp, or null to let it download headers. See Note [Node headers for node-gyp]. */
function findNodeDir() {
  const fromConfig = process.env.npm_config_nodedir;
  if (hasHeaders(fromConfig)) return { dir: path.resolve(fromConfig), why: 'npm_config_nodedir' };
  const prefix = path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..');
  if (hasHeaders(prefix)) return { dir: prefix, why: `headers beside ${process.execPath}` };
  return null;
}

/** node-gyp's CLI: ours (devDependency) when installed, else the one bundled with npm. */
function findNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    /* not installed: fall through */
  }
  const npmCli = process.env.npm_execpath;
  if (npmCli) {
    const bundled = path.resolve(path.dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (fs.existsSync(bundled)) return bundled;
  }
  throw new Error('node-gyp not found: run `npm install` in the repository first (it is a devDependency)');
}

/** Runs `node-gyp rebuild --release` in the repository root; returns the built addon's path. */
function buildNative({ quiet = false } = {}) {
  const nodeGyp = findNodeGyp();
  const nodeDir = findNodeDir();
  const args = [nodeGyp, 'rebuild', '--release', '--jobs', 'max'];
  // An unusable npm_config_nodedir in the environment would override our flag: drop it.
  const env = { ...process.env };
  delete env.npm_config_nodedir;
  delete env.NPM_CONFIG_NODEDIR;
  if (nodeDir) args.push(`--nodedir=${nodeDir.dir}`);
  if (!quiet) {
    console.log(`[build-native] node-gyp rebuild --release (Node ${process.version}, N-API ${process.versions.napi}; ` +
      `headers: ${nodeDir ? `${nodeDir.dir} (${nodeDir.why})` : 'downloaded by node-gyp'})`);
  }
  const started = Date.now();
  const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    if (quiet) process.stderr.write(`${r.stdout}\n${r.stderr}\n`);
    throw new Error(`node-gyp rebuild failed (exit ${r.status}). Building from source needs python3, make and a ` +
      'C++17 compiler (g++ or clang++); see README "Building from source".');
  }
  const out = path.join(root, 'build', 'Release', 'tensornode.node');
  if (!fs.existsSync(out)) throw new Error(`node-gyp succeeded but ${out} is missing`);
  if (!quiet) console.log(`[build-native] built ${path.relative(root, out)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return out;
}

module.exports = { buildNative, findNodeDir, findNodeGyp };

if (require.main === module) {
  try {
    buildNative();
  } catch (e) {
    console.error(`[build-native] ${e.message}`);
    process.exit(1);
  }
}
