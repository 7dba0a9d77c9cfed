// Reads event files back: TFRecord framing with both CRCs checked (records.ts), Event protos
// decoded with protobufjs. What our tests use to check what the writers wrote; TensorBoard's
// own reader is the other check (see the note of issue 20).
import * as fs from 'fs';
import { DT_DOUBLE, DT_FLOAT, EventMessage, TensorMessage, decodeEvent } from './protos';
import { parseRecords } from './records';

export interface EventFile {
  events: EventMessage[];
  /** Whether the file ends inside a record (its writer was killed mid-write, or is still writing). */
  truncated: boolean;
  /** Bytes of complete records. */
  completeBytes: number;
}

export function readEventFile(file: string): EventFile {
  const bytes = fs.readFileSync(file);
  const { records, truncated, completeBytes } = parseRecords(bytes, file);
  return { events: records.map((r) => decodeEvent(r)), truncated, completeBytes };
}

/** The values of a float32 or float64 tensor, with its shape. */
export function tensorValues(t: TensorMessage): { shape: number[]; values: number[] } {
  const shape = (t.tensorShape?.dim ?? []).map((d) => Number(d.size ?? 0));
  const c = t.tensorContent;
  let values: number[];
  if (c !== undefined && c.length > 0) {
    const copy = new Uint8Array(c); // aligned
    if (t.dtype === DT_FLOAT) values = Array.from(new Float32Array(copy.buffer));
    else if (t.dtype === DT_DOUBLE) values = Array.from(new Float64Array(copy.buffer));
    else throw new Error(`tensor of dtype ${t.dtype} is not read here`);
  } else {
    values = t.dtype === DT_DOUBLE ? (t.doubleVal ?? []) : (t.floatVal ?? []);
  }
  return { shape, values };
}

export interface ScalarPoint { step: number; value: number; wallTime: number }

/** Every scalar of the events by tag (simple_value or a 0-d tensor), in file order. */
export function scalarsOf(events: EventMessage[]): Record<string, ScalarPoint[]> {
  const out: Record<string, ScalarPoint[]> = {};
  for (const e of events) {
    for (const v of e.summary?.value ?? []) {
      let value: number | undefined;
      if (v.simpleValue !== undefined) value = v.simpleValue;
      else if (v.tensor !== undefined && (v.tensor.tensorShape?.dim ?? []).length === 0) value = tensorValues(v.tensor).values[0];
      if (value === undefined) continue;
      (out[v.tag!] ??= []).push({ step: e.step ?? 0, value, wallTime: e.wallTime ?? 0 });
    }
  }
  return out;
}
