// tn.preprocessing: Keras' preprocessing utilities (keras.preprocessing.image, .sequence, and
// the TextVectorization layer as a preprocessing object).
import { ArrayIterator, DirectoryIterator, ImageDataGenerator, imageDataGenerator } from './image';
import { padSequences } from './sequence';
import { TextVectorization, textVectorization } from './text';

export type { ImageDataGeneratorArgs, FlowFromDirectoryArgs, FlowArgs, TransformParams } from './image';
export type { PadSequencesArgs } from './sequence';
export type { TextVectorizationArgs } from './text';

export const image = { imageDataGenerator, ImageDataGenerator, DirectoryIterator, ArrayIterator };
export const sequence = { padSequences };
export const text = { textVectorization, TextVectorization };
export { textVectorization, TextVectorization, padSequences, imageDataGenerator, ImageDataGenerator, DirectoryIterator };
