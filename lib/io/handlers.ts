// IOHandlers as tf.io has them: fileSystem (tfjs-node's file:// handler, made atomic and
// verified), fromMemory, withSaveHandler.
import * as fs from 'fs';
import * as path from 'path';
import { expected } from '../errors';
import { cleanUp, contentName, fsyncDir, writeFileAtomic } from './atomic';
import { artifactsInfo } from './model_io';
import { IOHandler, ModelArtifacts, SaveHandler, SaveResult, TrainingConfig, WeightsManifestConfig, WeightsManifestEntry } from './types';
import { concatWeightData } from './weights';

const MODEL_JSON = 'model.json';
/** Weight files this library writes (See Note [Atomic saves] in atomic.ts). */
const OUR_WEIGHTS = /^weights\.[0-9a-f]{16}\.bin$/;

function bytesOf(spec: WeightsManifestEntry): number {
  const n = (spec.shape ?? []).reduce((a, b) => a * b, 1);
  const dt = spec.quantization?.dtype ?? spec.dtype;
  return n * (dt === 'uint8' || dt === 'bool' ? 1 : dt === 'uint16' || dt === 'float16' ? 2 : 4);
}

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read: ${(e as Error).message}`);
  }
  try {
    const v = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v;
  } catch (e) {
    throw new Error(`${file} is not a valid model.json (${(e as Error).message}; truncated or corrupt?)`);
  }
}

/** Reads the weight files of a manifest, checking every shard against the manifest's sizes. */
export function readWeightShards(dir: string, manifest: WeightsManifestConfig, jsonFile: string): { data: Uint8Array; specs: WeightsManifestEntry[] } {
  if (!Array.isArray(manifest)) throw new Error(`${jsonFile}: weightsManifest is not an array of {paths, weights}`);
  const parts: Uint8Array[] = [];
  const specs: WeightsManifestEntry[] = [];
  for (const [g, group] of manifest.entries()) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error(`${jsonFile}: weightsManifest[${g}] is not {paths, weights}`);
    }
    const expectedBytes = group.weights.reduce((n, w) => n + bytesOf(w), 0);
    const shards = group.paths.map((p) => {
      if (typeof p !== 'string' || path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) {
        throw new Error(`${jsonFile}: weight path ${JSON.stringify(p)} must be a relative path inside the model folder`);
      }
      const file = path.join(dir, p);
      try {
        return { file, data: fs.readFileSync(file) };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new Error(code === 'ENOENT' ? `${file} (a weight file named in ${jsonFile}) does not exist`
          : `${file} cannot be read: ${(e as Error).message}`);
      }
    });
    const actual = shards.reduce((n, s) => n + s.data.length, 0);
    if (actual !== expectedBytes) {
      // Shards are cut at one size (tfjs' 4 MiB), so the odd one out is the damaged one.
      const size0 = shards[0]?.data.length;
      const odd = shards.find((s, i) => i < shards.length - 1 && s.data.length !== size0) ?? shards[shards.length - 1];
      throw new Error(`Weight files of ${jsonFile} hold ${actual} bytes but the manifest's weights need ${expectedBytes} ` +
        `(${shards.map((s) => `${path.basename(s.file)}: ${s.data.length}`).join(', ')}); ${odd ? `${odd.file} is ` : ''}` +
        `${actual < expectedBytes ? 'truncated' : 'too long'} or does not belong to this model.json`);
    }
    for (const s of shards) {
      // Our weight files are named by their content's hash: a flipped bit is caught here.
      const m = /^weights\.([0-9a-f]{16})\.bin$/.exec(path.basename(s.file));
      if (m && contentName('weights', 'bin', s.data) !== path.basename(s.file)) {
        throw new Error(`${s.file} is corrupt: its content does not match the hash ${m[1]} in its name`);
      }
      parts.push(s.data);
    }
    specs.push(...group.weights);
  }
  return { data: concatWeightData(parts.map((p) => p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength) as ArrayBuffer)), specs };
}

/** Where a fileSystem path's model.json is: the path itself when it names a .json file, else path/model.json. */
function modelJsonPath(p: string): string {
  return p.endsWith('.json') ? p : path.join(p, MODEL_JSON);
}

/**
 * tf.io.fileSystem (tfjs-node): save writes `model.json` and the weights into a folder
 * (created if needed); load reads a model.json (or a folder holding one) and its shards.
 * Saves are atomic (Note [Atomic saves]); the weights file is weights.<content hash>.bin.
 */
export function fileSystem(p: string): IOHandler & { describe: string } {
  if (typeof p !== 'string' || p.length === 0) throw new TypeError(expected('a path', 'fileSystem(path)', p));
  const handler = {
    describe: modelJsonPath(p),
    async save(a: ModelArtifacts): Promise<SaveResult> {
      if (a.modelTopology instanceof ArrayBuffer) throw new Error('fileSystem: saving a binary (GraphDef) topology is not supported');
      const dir = p.endsWith('.json') ? path.dirname(p) : p;
      const jsonFile = p.endsWith('.json') ? p : path.join(p, MODEL_JSON);
      fs.mkdirSync(dir, { recursive: true });
      if (!fs.statSync(dir).isDirectory()) throw new Error(`fileSystem: ${dir} is not a folder`);
      const previous = (() => {
        try { return readJson(jsonFile).weightsManifest as WeightsManifestConfig; } catch { return undefined; }
      })();
      const data = concatWeightData(a.weightData);
      const weightsName = contentName('weights', 'bin', data);
      writeFileAtomic(path.join(dir, weightsName), data, false);
      const json: Record<string, unknown> = {
        modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy ?? null,
        weightsManifest: [{ paths: [weightsName], weights: a.weightSpecs ?? [] }],
      };
      for (const k of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const) {
        if (a[k] !== undefined) json[k] = a[k];
      }
      fsyncDir(dir);                                  // the weights are durable before model.json names them
      writeFileAtomic(jsonFile, JSON.stringify(json)); // the commit point
      const oldPaths = new Set<string>();
      for (const g of Array.isArray(previous) ? previous : []) for (const q of g?.paths ?? []) if (typeof q === 'string') oldPaths.add(q);
      cleanUp(dir, new Set([weightsName, path.basename(jsonFile)]), (name) => OUR_WEIGHTS.test(name) || (oldPaths.has(name) && name !== weightsName));
      return artifactsInfo(a);
    },
    async load(): Promise<ModelArtifacts> {
      const jsonFile = modelJsonPath(p);
      const json = readJson(jsonFile);
      if (json.modelTopology === undefined) throw new Error(`${jsonFile} has no modelTopology (is it a model.json written by TensorFlow.js?)`);
      const a: ModelArtifacts = {
        modelTopology: json.modelTopology as Record<string, unknown>, format: json.format as string | undefined,
        generatedBy: json.generatedBy as string | undefined, convertedBy: json.convertedBy as string | null | undefined,
      };
      for (const k of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const) {
        if (json[k] !== undefined) (a as Record<string, unknown>)[k] = json[k];
      }
      if (json.weightsManifest !== undefined) {
        const { data, specs } = readWeightShards(path.dirname(jsonFile), json.weightsManifest as WeightsManifestConfig, jsonFile);
        a.weightSpecs = specs;
        a.weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
      }
      return a;
    },
  };
  return handler;
}

/** tf.io.fromMemory: a load handler over artifacts (or topology, specs, data, trainingConfig as tfjs' old signature). */
export function fromMemory(modelArtifacts: ModelArtifacts | Record<string, unknown>, weightSpecs?: WeightsManifestEntry[],
  weightData?: ArrayBuffer, trainingConfig?: TrainingConfig): IOHandler {
  if (modelArtifacts === null || typeof modelArtifacts !== 'object') throw new TypeError(expected('model artifacts or a topology', 'fromMemory(modelArtifacts)', modelArtifacts));
  const a: ModelArtifacts = arguments.length === 1 && ('modelTopology' in modelArtifacts || 'weightSpecs' in modelArtifacts)
    ? { ...(modelArtifacts as ModelArtifacts) }
    : { modelTopology: modelArtifacts as Record<string, unknown>, weightSpecs, weightData, trainingConfig };
  return { load: async () => a };
}

/** tf.io.withSaveHandler: a save handler from a function that receives the artifacts. */
export function withSaveHandler(saveHandler: SaveHandler): IOHandler {
  if (typeof saveHandler !== 'function') throw new TypeError(expected('a function (artifacts) => Promise<SaveResult>', 'withSaveHandler(saveHandler)', saveHandler));
  return { save: saveHandler };
}
