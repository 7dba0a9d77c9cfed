// tn.data: datasets (tfjs-data's API), CSV files, image folders, and the IDX reader.
export { AUTOTUNE, Dataset, LazyIterator, array, generator, zip, isDataset } from './dataset';
export { csv, CSVDataset } from './csv';
export type { CSVConfig, ColumnConfig } from './csv';
export { imageDatasetFromDirectory, ImageFolderDataset } from './images';
export type { ImageDatasetFromDirectoryArgs } from './images';
export { ImageDecodeError } from './image_decode';
export { parseIdx, readIdx, readIdxSync } from './idx';
export type { IdxOptions } from './idx';
