// tn.io: TensorFlow.js' tf.io handlers, and the save/load entry points models delegate to.
// See Note [Atomic saves] (atomic.ts) and Note [Strict configs] (serialization.ts).
import { expected } from '../errors';
import type { Layer } from '../layers/layer';
import { filePath } from './model_io';

export { fileSystem, fromMemory, withSaveHandler } from './handlers';
export { loadLayersModel, registerTopology, modelVariables } from './model_io';
export { encodeWeights, decodeWeights } from './weights';
export { encodeSafetensors, decodeSafetensors } from './safetensors';
export type {
  IOHandler, ModelArtifacts, ModelArtifactsInfo, SaveResult, SaveConfig, LoadOptions, SaveHandler, LoadHandler, WeightsManifestEntry,
  WeightsManifestConfig, WeightsManifestGroupConfig, TrainingConfig,
} from './types';

/** model.saveWeights('file://w.safetensors'): the weights alone, keyed by their names. */
export async function saveWeights(model: { name: string; layers: Layer[] }, url: unknown): Promise<void> {
  if (typeof url !== 'string') throw new TypeError(expected("a 'file://….safetensors' URL", 'saveWeights(url)', url));
  const p = filePath(url, 'saveWeights(url)');
  if (!p.endsWith('.safetensors')) throw new TypeError(expected("a path ending in .safetensors (the weights format saveWeights writes)", 'saveWeights(url)', url));
  (require('./safetensors') as typeof import('./safetensors')).saveWeightsSafetensors(model, p);
}

/** model.loadWeights('file://w.safetensors', {strict}): checks every weight, then assigns them all. */
export async function loadWeights(model: { name: string; layers: Layer[] }, url: unknown, options: { strict?: boolean } = {}): Promise<void> {
  if (typeof url !== 'string') throw new TypeError(expected("a 'file://….safetensors' URL", 'loadWeights(url)', url));
  if (options === null || typeof options !== 'object') throw new TypeError(expected('an object {strict}', 'loadWeights(url, options)', options));
  for (const k of Object.keys(options)) if (k !== 'strict') throw new TypeError(`loadWeights: option ${k} is not known (strict)`);
  const p = filePath(url, 'loadWeights(url)');
  if (!p.endsWith('.safetensors')) throw new TypeError(expected('a path ending in .safetensors', 'loadWeights(url)', url));
  (require('./safetensors') as typeof import('./safetensors')).loadWeightsSafetensors(model, p, options.strict ?? true);
}
