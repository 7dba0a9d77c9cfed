// The protocol buffers of TensorBoard event files (Event, Summary, TensorProto, …), encoded and
// decoded by protobufjs, which loads on first use (See Note [protobufjs is an optional peer]).
//
// The schema below is the subset of TensorFlow's event.proto, summary.proto, histogram.proto,
// tensor.proto, tensor_shape.proto and types.proto that summaries use, with TensorFlow's field
// numbers. Names are camelCase (protobufjs' JSON form); the wire format knows only numbers.
// Fields a reader does not know (graph_def, images, …) are skipped when decoding.
//
// Note [protobufjs is an optional peer]: `npm install tensornode` needs nothing but the tarball
// (test/package.test.js installs it offline with no dependency), so protobufjs is an optional
// peer dependency: required the first time a TensorBoard writer is made, never by
// require('tensornode'), with an error that says how to install it. The project itself has it
// as a devDependency, so its tests always run with it.
//
// Note [Proto3 zeros]: TensorFlow writes with the C++ protobuf runtime, which omits a proto3
// scalar field equal to its default (step 0, min 0, an empty string) unless it sits in a oneof;
// protobufjs writes every field that is set. To write the same bytes, builders here leave a
// field unset when it is +0 or empty. (-0.0 is not the default bit pattern: C++ writes it, so do we.)

/** The part of protobufjs' reflection API used here (kept local so our .d.ts files never name protobufjs). */
interface ProtoType {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: object): Record<string, unknown>;
}
interface ProtobufLight {
  Root: { fromJSON(json: object): { lookupType(name: string): ProtoType } };
}

const packed = { packed: true };

const SCHEMA = {
  nested: {
    tensorboard: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['fileVersion', 'graphDef', 'summary', 'metaGraphDef'] } },
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            graphDef: { type: 'bytes', id: 4 },
            summary: { type: 'Summary', id: 5 },
            metaGraphDef: { type: 'bytes', id: 9 },
            sourceMetadata: { type: 'SourceMetadata', id: 10 },
          },
        },
        SourceMetadata: { fields: { writer: { type: 'string', id: 1 } } },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              oneofs: { value: { oneof: ['simpleValue', 'histo', 'tensor'] } },
              fields: {
                tag: { type: 'string', id: 1 },
                simpleValue: { type: 'float', id: 2 },
                histo: { type: 'HistogramProto', id: 5 },
                nodeName: { type: 'string', id: 7 },
                tensor: { type: 'TensorProto', id: 8 },
                metadata: { type: 'SummaryMetadata', id: 9 },
              },
            },
          },
        },
        SummaryMetadata: {
          fields: {
            pluginData: { type: 'PluginData', id: 1 },
            displayName: { type: 'string', id: 2 },
            summaryDescription: { type: 'string', id: 3 },
            dataClass: { type: 'int32', id: 4 },
          },
          nested: {
            PluginData: { fields: { pluginName: { type: 'string', id: 1 }, content: { type: 'bytes', id: 2 } } },
          },
        },
        HistogramProto: {
          fields: {
            min: { type: 'double', id: 1 },
            max: { type: 'double', id: 2 },
            num: { type: 'double', id: 3 },
            sum: { type: 'double', id: 4 },
            sumSquares: { type: 'double', id: 5 },
            bucketLimit: { rule: 'repeated', type: 'double', id: 6, options: packed },
            bucket: { rule: 'repeated', type: 'double', id: 7, options: packed },
          },
        },
        TensorProto: {
          fields: {
            dtype: { type: 'int32', id: 1 },
            tensorShape: { type: 'TensorShapeProto', id: 2 },
            versionNumber: { type: 'int32', id: 3 },
            tensorContent: { type: 'bytes', id: 4 },
            floatVal: { rule: 'repeated', type: 'float', id: 5, options: packed },
            doubleVal: { rule: 'repeated', type: 'double', id: 6, options: packed },
            intVal: { rule: 'repeated', type: 'int32', id: 7, options: packed },
            stringVal: { rule: 'repeated', type: 'bytes', id: 8 },
            int64Val: { rule: 'repeated', type: 'int64', id: 10, options: packed },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 }, unknownRank: { type: 'bool', id: 3 } },
          nested: { Dim: { fields: { size: { type: 'int64', id: 1 }, name: { type: 'string', id: 2 } } } },
        },
      },
    },
  },
};

/** TensorFlow's DataType codes (types.proto) for the dtypes summaries use. */
export const DT_FLOAT = 1;
export const DT_DOUBLE = 2;
export const DT_INT32 = 3;
export const DT_STRING = 7;
export const DT_INT64 = 9;

// ---- the messages, as plain objects --------------------------------------------------------

export interface PluginData { pluginName?: string; content?: Uint8Array }
export interface SummaryMetadataMessage { pluginData?: PluginData; displayName?: string; summaryDescription?: string; dataClass?: number }
export interface HistogramMessage {
  min?: number; max?: number; num?: number; sum?: number; sumSquares?: number; bucketLimit?: number[]; bucket?: number[];
}
export interface TensorMessage {
  dtype?: number;
  tensorShape?: { dim?: { size?: number; name?: string }[]; unknownRank?: boolean };
  tensorContent?: Uint8Array;
  floatVal?: number[]; doubleVal?: number[]; intVal?: number[]; stringVal?: Uint8Array[]; int64Val?: number[];
}
export interface SummaryValueMessage {
  tag?: string; simpleValue?: number; histo?: HistogramMessage; nodeName?: string; tensor?: TensorMessage;
  metadata?: SummaryMetadataMessage;
}
export interface EventMessage {
  wallTime?: number;
  step?: number;
  fileVersion?: string;
  graphDef?: Uint8Array;
  summary?: { value?: SummaryValueMessage[] };
  sourceMetadata?: { writer?: string };
}

// ---- loading ------------------------------------------------------------------------------

let eventType: ProtoType | null = null;

const PROTOBUF_PACKAGE = 'protobufjs';

/** Loads protobufjs and the schema once; throws how to install it when it is missing. */
export function loadEventType(): ProtoType {
  if (eventType !== null) return eventType;
  let protobuf: ProtobufLight;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    protobuf = require(`${PROTOBUF_PACKAGE}/light`) as ProtobufLight;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND') {
      throw new Error('TensorBoard event files are written with the protobufjs package, which is not installed: ' +
        'run `npm install protobufjs` (an optional peer dependency of tensornode)');
    }
    throw err;
  }
  eventType = protobuf.Root.fromJSON(SCHEMA).lookupType('tensorboard.Event');
  return eventType;
}

export function encodeEvent(event: EventMessage): Uint8Array {
  return loadEventType().encode(event).finish();
}

/** An Event decoded to plain objects: int64 as numbers, bytes as Uint8Array. */
export function decodeEvent(bytes: Uint8Array): EventMessage {
  const type = loadEventType();
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as EventMessage;
}
