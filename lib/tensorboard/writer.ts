// Event files: a TFRecord file of Event protos that TensorBoard reads (See Note [TFRecord
// framing] in records.ts), and tfjs-node's SummaryFileWriter API over it.
//
// Note [Event writes off the training path]: write() encodes and frames an event into memory
// and returns; nothing waits for the disk during training. flush() hands the buffered records
// to the file as one positional write on libuv's thread pool, and close() waits for all of it.
// When a writer flushes is TensorFlow's rule (more than maxQueue events buffered, or flushMillis
// since the last flush, checked at each write), and the callbacks flush at every epoch end.
// Each chunk is written at an offset fixed when it is handed over, so writing it again writes
// the same bytes in the same place: at process exit (and on SIGINT/SIGTERM) every chunk not yet
// known to be on disk is written synchronously, whether or not its asynchronous write had run,
// so the file ends with whole records in order. A kill -9 can still cut the last chunk short;
// readers stop at the last complete record (records.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkNonNegativeInteger, checkPositiveInteger, expected } from '../errors';
import { EventMessage, SummaryValueMessage, encodeEvent, loadEventType } from './protos';
import { frameRecord } from './records';
import { DEFAULT_BUCKETS, simpleScalar, tfjsHistogram } from './summaries';

/** What TensorFlow's EventsWriter writes as the first record of every file. */
export const FILE_VERSION = 'brain.Event:2';
export const SOURCE_WRITER = 'tensorflow.core.util.events_writer';

export interface EventFileWriterOptions {
  /** Appended to the file name; TF2 summary writers use '.v2'. */
  filenameSuffix?: string;
  /** Flush when more than this many events are buffered (TensorFlow's max_queue). */
  maxQueue?: number;
  /** Flush at a write this long after the last flush (TensorFlow's flush_millis). */
  flushMillis?: number;
  /** Seconds since the epoch, for wall_time (tests pin it). */
  clock?: () => number;
}

interface Chunk {
  offset: number;
  bytes: Buffer;
  written: boolean;
}

// TensorFlow numbers the event files of one process: events.out.tfevents.<secs>.<host>.<pid>.<n>.
let fileCounter = 0;

/** Every writer with records not yet known to be on disk, for the exit and signal handlers. */
const openWriters = new Set<EventFileWriter>();
let handlersInstalled = false;

function flushAllSync(): void {
  for (const w of openWriters) w.flushSync();
}

function onSignal(signal: NodeJS.Signals): void {
  flushAllSync();
  // Keep the default meaning of the signal (terminate) unless the program listens to it too.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', flushAllSync);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** One events.out.tfevents.* file: append-only, buffered, flushed off the training path. */
export class EventFileWriter {
  readonly logdir: string;
  readonly path: string;
  private fd: number | null;
  private readonly clock: () => number;
  private readonly maxQueue: number;
  private readonly flushMillis: number;
  private lastFlush: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private nextOffset = 0;
  private readonly chunks: Chunk[] = [];
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  /** Creates logdir (and its parents) and the file; throws naming the folder when it cannot. */
  constructor(logdir: string, options: EventFileWriterOptions = {}) {
    if (typeof logdir !== 'string' || logdir.length === 0) throw new TypeError(expected('a non-empty string', 'logdir', logdir));
    loadEventType(); // a missing protobufjs is an error now, not at the first write
    this.logdir = logdir;
    this.clock = options.clock ?? (() => Date.now() / 1000);
    this.maxQueue = options.maxQueue ?? 10;
    this.flushMillis = options.flushMillis ?? 120000;
    this.lastFlush = Date.now();
    const suffix = options.filenameSuffix ?? '.v2';
    const seconds = Math.floor(this.clock());
    let fd: number | null = null;
    let file = '';
    try {
      fs.mkdirSync(logdir, { recursive: true });
      // 'wx': a name another writer already took is tried again with the next number.
      for (;;) {
        file = path.join(logdir, `events.out.tfevents.${String(seconds).padStart(10, '0')}.${os.hostname()}.${process.pid}.${fileCounter++}${suffix}`);
        try {
          fd = fs.openSync(file, 'wx');
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
    } catch (e) {
      throw new Error(`Cannot write TensorBoard logs to '${logdir}': ${(e as Error).message}`);
    }
    this.fd = fd;
    this.path = file;
    // As TensorFlow's EventsWriter: the first event holds the file version, stamped with the
    // whole second that also names the file.
    this.write({ wallTime: seconds, fileVersion: FILE_VERSION, sourceMetadata: { writer: SOURCE_WRITER } });
    // Written at once, so the file is a valid (if empty) event file from the start.
    this.flushSync();
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** Buffers one event. Throws when an earlier write failed (disk full, folder removed). */
  write(event: EventMessage): void {
    this.throwIfFailed();
    if (this.fd === null) throw new Error(`The event file ${this.path} is closed`);
    const record = frameRecord(encodeEvent(event));
    this.pending.push(record);
    this.pendingBytes += record.length;
    openWriters.add(this);
    installHandlers();
    if (this.pending.length > this.maxQueue || Date.now() - this.lastFlush > this.flushMillis) this.flushInBackground();
  }

  /** Writes one Summary event: its values at `step` (0 is left out, as TensorFlow does: See Note [Proto3 zeros] in protos.ts). */
  writeSummary(values: SummaryValueMessage[], step: number, wallTime = this.clock()): void {
    const event: EventMessage = { wallTime, summary: { value: values } };
    if (step !== 0) event.step = step;
    this.write(event);
  }

  /** Hands the buffered records to the file; resolves when they and all before them are written. */
  flush(): Promise<void> {
    this.flushInBackground();
    return this.writing.then(() => this.throwIfFailed());
  }

  /** Starts writing the buffered records; a failure is kept and thrown by the next write, flush or close. */
  flushInBackground(): void {
    this.lastFlush = Date.now();
    if (this.failure) return;
    const chunk = this.takePending();
    if (chunk !== null) {
      const fd = this.fd!;
      this.writing = this.writing.then(() => new Promise<void>((resolve) => {
        // A write may take fewer bytes than asked: go on from where it stopped.
        const writeFrom = (done: number): void => {
          fs.write(fd, chunk.bytes, done, chunk.bytes.length - done, chunk.offset + done, (err, n) => {
            if (!err && done + n < chunk.bytes.length) return writeFrom(done + n);
            if (err) this.failure ??= new Error(`Writing TensorBoard events to ${this.path} failed: ${err.message}`);
            else chunk.written = true;
            this.forgetWritten();
            resolve();
          });
        };
        writeFrom(0);
      }));
    }
  }

  /** Writes everything not known to be on disk, synchronously (exit handlers, the first record). */
  flushSync(): void {
    if (this.fd === null) return;
    this.takePending();
    for (const c of this.chunks) {
      if (c.written) continue;
      try {
        for (let done = 0; done < c.bytes.length;) done += fs.writeSync(this.fd, c.bytes, done, c.bytes.length - done, c.offset + done);
        c.written = true;
      } catch (e) {
        this.failure ??= new Error(`Writing TensorBoard events to ${this.path} failed: ${(e as Error).message}`);
        return;
      }
    }
    this.forgetWritten();
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    if (this.fd === null) return;
    try {
      await this.flush();
    } finally {
      const fd = this.fd;
      this.fd = null;
      openWriters.delete(this);
      if (fd !== null) fs.closeSync(fd);
    }
  }

  private takePending(): Chunk | null {
    if (this.pending.length === 0) return null;
    const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    const chunk = { offset: this.nextOffset, bytes, written: false };
    this.nextOffset += bytes.length;
    this.pending = [];
    this.pendingBytes = 0;
    this.chunks.push(chunk);
    return chunk;
  }

  private forgetWritten(): void {
    while (this.chunks.length > 0 && this.chunks[0].written) this.chunks.shift();
    if (this.chunks.length === 0 && this.pending.length === 0) openWriters.delete(this);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

// ---- tfjs-node's SummaryFileWriter -----------------------------------------------------------

function checkStep(step: unknown): number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) throw new TypeError(expected('an integer', 'step', step));
  return step;
}

function valuesOf(data: unknown, argument: string): ArrayLike<number> {
  if (data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array) return data;
  if (Array.isArray(data) && data.every((v) => typeof v === 'number')) return data;
  const t = data as { dataSync?: () => ArrayLike<number> };
  if (t !== null && typeof t === 'object' && typeof t.dataSync === 'function') return t.dataSync();
  throw new TypeError(expected('a Tensor, a typed array or an array of numbers', argument, data));
}

/**
 * tf.node.summaryFileWriter's writer: scalar(name, value, step), histogram(name, data, step,
 * buckets, description) and flush(), written as tfjs-node writes them (simple_value scalars,
 * float32 bucket histograms).
 */
export class SummaryFileWriter {
  constructor(readonly eventWriter: EventFileWriter) {}

  /** value: a number or a one-element tensor. */
  scalar(name: string, value: number | { dataSync(): ArrayLike<number> }, step: number, description?: string): void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(expected('a non-empty string', 'name', name));
    if (description !== undefined) throw new Error('scalar() does not support description (as in tfjs-node)');
    const values = typeof value === 'number' ? [value] : valuesOf(value, 'value');
    if (values.length !== 1) throw new TypeError(expected('a number or a scalar tensor', 'value', value));
    this.eventWriter.writeSummary([simpleScalar(name, values[0])], checkStep(step));
  }

  histogram(name: string, data: unknown, step: number, buckets?: number, description?: string): void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(expected('a non-empty string', 'name', name));
    const count = buckets === undefined ? DEFAULT_BUCKETS : checkPositiveInteger(buckets, 'buckets');
    if (description !== undefined && typeof description !== 'string') throw new TypeError(expected('a string', 'description', description));
    this.eventWriter.writeSummary([tfjsHistogram(name, valuesOf(data, 'data'), count, description)], checkStep(step));
  }

  /** Writes what is buffered; resolves once it is on disk. */
  flush(): Promise<void> {
    return this.eventWriter.flush();
  }
}

const summaryWriters = new Map<string, SummaryFileWriter>();

/**
 * tf.node.summaryFileWriter(logdir, maxQueue, flushMillis, filenameSuffix): the writer of that
 * folder, one per folder per process (tfjs-node caches them the same way).
 */
export function summaryFileWriter(logdir: string, maxQueue = 10, flushMillis = 120000, filenameSuffix = '.v2'): SummaryFileWriter {
  if (typeof logdir !== 'string' || logdir.length === 0) throw new TypeError(expected('a non-empty string', 'logdir', logdir));
  checkNonNegativeInteger(maxQueue, 'maxQueue');
  checkNonNegativeInteger(flushMillis, 'flushMillis');
  if (typeof filenameSuffix !== 'string') throw new TypeError(expected('a string', 'filenameSuffix', filenameSuffix));
  const key = path.resolve(logdir);
  let w = summaryWriters.get(key);
  if (w === undefined || w.eventWriter.closed) {
    w = new SummaryFileWriter(new EventFileWriter(logdir, { filenameSuffix, maxQueue, flushMillis }));
    summaryWriters.set(key, w);
  }
  return w;
}
