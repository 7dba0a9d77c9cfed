// tn.node: what tfjs-node adds to TensorFlow.js for training in Node, as far as tensornode
// has it: the TensorBoard callback and the summary file writer. protobufjs loads on first use
// (See Note [protobufjs is an optional peer] in protos.ts).
export { nodeTensorBoard as tensorBoard, TensorBoardCallback } from './callback';
export type { TensorBoardCallbackArgs } from './callback';
export { summaryFileWriter, SummaryFileWriter } from './writer';
