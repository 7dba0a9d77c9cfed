// TFRecord framing: how TensorFlow lays protocol buffers end to end in a file.
//
// Note [TFRecord framing]: each record is
//     uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes |
//     length bytes of data          | uint32 masked CRC-32C of the data
// A record is complete or it is not there: writers append whole records, so a process killed
// mid-write leaves at worst one incomplete record at the end of the file. Readers (ours and
// TensorBoard's) stop there and keep everything before it; a CRC that does not match inside
// the file is corruption and an error, never data read on.
import { maskedCrc32c } from './crc32c';

export const RECORD_OVERHEAD = 16;

/** One framed record around `data`. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(data.length + RECORD_OVERHEAD);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out, 0, 8), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

export interface ParsedRecords {
  /** The data of every complete record, in file order (views into the input). */
  records: Uint8Array[];
  /** Bytes of complete records; anything after it is an incomplete last record. */
  completeBytes: number;
  /** Whether the input ends inside a record (a writer killed mid-write, or one still writing). */
  truncated: boolean;
}

/** Splits a TFRecord file's bytes into records, checking both CRCs of each; `what` names the source in errors. */
export function parseRecords(bytes: Uint8Array, what = 'TFRecord data'): ParsedRecords {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < view.length) {
    if (view.length - at < 12) break;
    const lengthCrc = view.readUInt32LE(at + 8);
    if (maskedCrc32c(view, at, at + 8) !== lengthCrc) {
      throw new Error(`${what}: record ${records.length} at byte ${at} has a corrupt length (its CRC does not match)`);
    }
    const length = view.readBigUInt64LE(at);
    if (length > BigInt(view.length - at - RECORD_OVERHEAD)) break;
    const start = at + 12;
    const end = start + Number(length);
    if (maskedCrc32c(view, start, end) !== view.readUInt32LE(end)) {
      throw new Error(`${what}: record ${records.length} at byte ${at} has corrupt data (its CRC does not match)`);
    }
    records.push(view.subarray(start, end));
    at = end + 4;
  }
  return { records, completeBytes: at, truncated: at < view.length };
}
