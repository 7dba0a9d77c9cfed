// The artifacts and handler interfaces of TensorFlow.js' tf.io (tfjs-core io/types.ts), so a
// handler written for tfjs (a database, an object store, an HTTP endpoint) works here unchanged.

/** 'float32' | 'int32' | 'bool' | 'string' | 'complex64' in tfjs; this library reads the first three. */
export type WeightDType = 'float32' | 'int32' | 'bool' | 'string' | 'complex64';

/** Quantized storage of a float32 weight (tfjs converter's --quantize_* options). */
export interface WeightQuantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  /** v = q·scale + min for uint8/uint16 (affine); absent for float16. */
  scale?: number;
  min?: number;
  original_dtype?: 'float32' | 'int32';
}

export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: WeightDType;
  /** 'model' (default) or 'optimizer' for optimizer slots saved with includeOptimizer. */
  group?: 'model' | 'optimizer' | string;
  quantization?: WeightQuantization;
}

export interface WeightsManifestGroupConfig {
  paths: string[];
  weights: WeightsManifestEntry[];
}

export type WeightsManifestConfig = WeightsManifestGroupConfig[];

export interface TrainingConfig {
  loss: string | string[] | Record<string, string>;
  metrics?: string[] | Record<string, string>;
  optimizer_config: { class_name: string; config: Record<string, unknown> };
  weighted_metrics?: string[];
  loss_weights?: number[] | Record<string, number>;
  sample_weight_mode?: string;
}

export interface ModelArtifacts {
  /** The Keras/tfjs topology: {class_name: 'Sequential', config: {...}, keras_version, backend}. */
  modelTopology?: Record<string, unknown> | ArrayBuffer;
  trainingConfig?: TrainingConfig;
  weightSpecs?: WeightsManifestEntry[];
  /** All weights, concatenated in weightSpecs order (tfjs 4.x may also give an array of buffers). */
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: Record<string, unknown>;
  initializerSignature?: Record<string, unknown>;
  /** Set by handlers that know where the artifacts came from; used in error messages. */
  weightsManifest?: WeightsManifestConfig;
}

export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON' | 'GraphDef';
  modelTopologyBytes?: number;
  weightSpecsBytes?: number;
  weightDataBytes?: number;
}

export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  responses?: unknown[];
  errors?: Array<Record<string, unknown> | string>;
}

export type SaveHandler = (modelArtifacts: ModelArtifacts) => Promise<SaveResult>;
export type LoadHandler = () => Promise<ModelArtifacts>;

/** tf.io.IOHandler: an object with save and/or load. */
export interface IOHandler {
  save?: SaveHandler;
  load?: LoadHandler;
}

export interface SaveConfig {
  /** Also save the optimizer's state (slots and iteration count) and the training config. */
  includeOptimizer?: boolean;
  /** Save only the trainable weights (tfjs option). */
  trainableOnly?: boolean;
}

export interface LoadOptions {
  /** When false, weights in the files that the model does not have (and missing ones) are not errors. Default true. */
  strict?: boolean;
}
