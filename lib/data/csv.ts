// tn.data.csv(path, {hasHeader, columnNames, columnConfigs, configuredColumnsOnly, delimiter,
// delimWhitespace}): a CSV file as a dataset of rows, as tfjs-data's tf.data.csv.
//
// Elements: an object {column: value} per row; when some column is configured with
// isLabel: true, {xs: {features}, ys: {labels}} instead. A value is a number when it parses as
// one, else a string (tfjs-data's rule), unless the column's dtype says otherwise. An empty
// field is the column's `default`, an error when the column is `required` or a label, and
// undefined otherwise (batching an undefined is an error that says so).
//
// Parsing is RFC 4180: fields may be quoted, a quoted field may hold the delimiter, newlines
// and doubled quotes (""), CRLF and LF line ends, a UTF-8 byte order mark is skipped, blank
// lines are skipped. The file is streamed, so its size is not limited by memory. Every error
// names the file and the line.
//
// Stricter than tfjs-data where it would lose data silently: a value that does not parse for
// a declared dtype ('abc' for float32, 2.5 for int32, 'maybe' for bool) is an error naming the
// line, not a string, a truncated integer or false.
import * as fs from 'fs';
import { fileURLToPath } from 'url';
import { checkBoolean, expected } from '../errors';
import { Dataset } from './dataset';

export interface ColumnConfig {
  /** An empty field in this column is an error. */
  required?: boolean;
  /** 'float32' and 'int32' parse numbers (int32 must be integers), 'bool' takes true/false/1/0, 'string' keeps the text. */
  dtype?: 'float32' | 'int32' | 'bool' | 'string';
  /** The value of an empty field. */
  default?: number | string;
  /** The column is a label: it goes into `ys`. */
  isLabel?: boolean;
}

export interface CSVConfig {
  /** Whether the first line names the columns (default true). */
  hasHeader?: boolean;
  /** Column names; with a header line, they replace its names (and must be as many). */
  columnNames?: string[];
  columnConfigs?: Record<string, ColumnConfig>;
  /** Only the columns in columnConfigs appear in the elements. */
  configuredColumnsOnly?: boolean;
  /** One character, default ','. */
  delimiter?: string;
  /** Fields are separated by runs of spaces and tabs. */
  delimWhitespace?: boolean;
}

const CONFIG_KEYS = ['hasHeader', 'columnNames', 'columnConfigs', 'configuredColumnsOnly', 'delimiter', 'delimWhitespace'];
const COLUMN_KEYS = ['required', 'dtype', 'default', 'isLabel'];

/** A parsed record: its fields and the line it starts on (1-based). */
interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * Streams the records of a CSV file. A state machine over characters, fed chunk by chunk, so
 * a quoted field may span chunks and lines.
 */
async function* readRecords(path: string, delimiter: string, delimWhitespace: boolean): AsyncGenerator<CsvRecord> {
  const stream = fs.createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quoted = false; // the current field was quoted (and its closing quote was read)
  let started = false; // the current field has begun (content or an opening quote)
  let line = 1;
  let recordLine = 1;
  let carry = ''; // a '"' or '\r' at the end of a chunk, decided with the next chunk
  let first = true;
  const endField = (): void => {
    fields.push(field);
    field = '';
    quoted = false;
    started = false;
  };
  const endRecord = (): CsvRecord | null => {
    const lastQuoted = quoted;
    if (!delimWhitespace || started) endField();
    const r = fields;
    fields = [];
    // Blank lines are skipped (nothing, or a lone unquoted empty field).
    if (r.length === 0 || (r.length === 1 && r[0] === '' && !lastQuoted)) return null;
    return { fields: r, line: recordLine };
  };
  const scan = function* (text: string, last: boolean): Generator<CsvRecord> {
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text[i];
      if (inQuotes) {
        if (c === '"') {
          if (i + 1 === n && !last) {
            carry = '"';
            return;
          }
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else {
            inQuotes = false;
            quoted = true;
          }
        } else {
          if (c === '\n') line++;
          field += c;
        }
        continue;
      }
      if (c === '\r' && i + 1 === n && !last) {
        carry = '\r';
        return;
      }
      const isDelimiter = delimWhitespace ? c === ' ' || c === '\t' : c === delimiter;
      if (isDelimiter) {
        if (!delimWhitespace || started) endField();
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        const r = endRecord();
        line++;
        recordLine = line;
        if (r) yield r;
      } else if (quoted) {
        throw new Error(`${path}:${line}: unexpected ${JSON.stringify(c)} after the closing quote of a quoted field ` +
          '(a quote inside a quoted field is written as two quotes "")');
      } else if (c === '"') {
        if (started) {
          throw new Error(`${path}:${line}: a quote inside an unquoted field (quote the whole field and double the quote: "a""b")`);
        }
        inQuotes = true;
        started = true;
      } else {
        field += c;
        started = true;
      }
    }
  };
  try {
    for await (const chunk of stream) {
      let text = carry + (chunk as string);
      carry = '';
      if (first) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      yield* scan(text, false);
    }
    if (carry) yield* scan(carry, true);
    if (inQuotes) throw new Error(`${path}:${recordLine}: a quoted field is not closed before the end of the file`);
    const r = endRecord();
    if (r) yield r;
  } finally {
    stream.destroy();
  }
}

function checkConfig(config: unknown): Required<Pick<CSVConfig, 'hasHeader' | 'configuredColumnsOnly' | 'delimWhitespace'>> & CSVConfig & { delimiter: string } {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new TypeError(expected('an object', 'csv config', config));
  const c = config as CSVConfig;
  for (const key of Object.keys(c)) {
    if (!CONFIG_KEYS.includes(key)) throw new TypeError(`Unknown csv option '${key}' (known: ${CONFIG_KEYS.join(', ')})`);
  }
  const hasHeader = c.hasHeader === undefined ? true : checkBoolean(c.hasHeader, 'hasHeader');
  const configuredColumnsOnly = c.configuredColumnsOnly === undefined ? false : checkBoolean(c.configuredColumnsOnly, 'configuredColumnsOnly');
  const delimWhitespace = c.delimWhitespace === undefined ? false : checkBoolean(c.delimWhitespace, 'delimWhitespace');
  if (delimWhitespace && c.delimiter !== undefined) throw new TypeError('Give either delimiter or delimWhitespace: true, not both');
  const delimiter = c.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new TypeError(expected('one character other than a quote or a line break', 'delimiter', delimiter));
  }
  if (c.columnNames !== undefined && (!Array.isArray(c.columnNames) || !c.columnNames.every((n) => typeof n === 'string'))) {
    throw new TypeError(expected('an array of strings', 'columnNames', c.columnNames));
  }
  if (c.columnConfigs !== undefined) {
    if (c.columnConfigs === null || typeof c.columnConfigs !== 'object') throw new TypeError(expected('an object {column: config}', 'columnConfigs', c.columnConfigs));
    for (const [name, cc] of Object.entries(c.columnConfigs)) {
      if (cc === null || typeof cc !== 'object') throw new TypeError(expected('an object', `columnConfigs.${name}`, cc));
      for (const key of Object.keys(cc)) {
        if (!COLUMN_KEYS.includes(key)) throw new TypeError(`Unknown option '${key}' in columnConfigs.${name} (known: ${COLUMN_KEYS.join(', ')})`);
      }
      if (cc.required !== undefined) checkBoolean(cc.required, `columnConfigs.${name}.required`);
      if (cc.isLabel !== undefined) checkBoolean(cc.isLabel, `columnConfigs.${name}.isLabel`);
      if (cc.dtype !== undefined && !['float32', 'int32', 'bool', 'string'].includes(cc.dtype)) {
        throw new TypeError(expected("one of 'float32', 'int32', 'bool', 'string'", `columnConfigs.${name}.dtype`, cc.dtype));
      }
      if (cc.default !== undefined && typeof cc.default !== 'number' && typeof cc.default !== 'string') {
        throw new TypeError(expected('a number or a string', `columnConfigs.${name}.default`, cc.default));
      }
    }
  }
  return { ...c, hasHeader, configuredColumnsOnly, delimWhitespace, delimiter };
}

/** file:// URLs and plain paths; other URLs are not read. */
function checkSource(source: unknown): string {
  if (typeof source !== 'string' || source.length === 0) throw new TypeError(expected('a file path or a file:// URL', 'source', source));
  if (source.startsWith('file://')) {
    // 'file:///abs/path' is a URL; tfjs-node users also write 'file://' + a relative path.
    try {
      return fileURLToPath(source);
    } catch {
      return source.slice('file://'.length);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) throw new TypeError(`tn.data.csv reads local files only (a path or a file:// URL) but received ${source}`);
  return source;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(Infinity|inf)$|^[+-]?nan$/i;

function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!NUMBER_RE.test(t)) return null;
  if (/nan$/i.test(t)) return NaN;
  if (/inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return Number(t);
}

/** The dataset tn.data.csv returns; columnNames() reads the header when there is one. */
export class CSVDataset extends Dataset<Record<string, unknown>> {
  private names: string[] | null = null;
  private readonly config: ReturnType<typeof checkConfig>;

  constructor(readonly path: string, config: CSVConfig = {}) {
    super(() => this.rows(), null);
    this.config = checkConfig(config);
  }

  /** The column names (only the configured ones with configuredColumnsOnly). */
  async columnNames(): Promise<string[]> {
    const names = await this.fullColumnNames();
    return this.config.configuredColumnsOnly ? Object.keys(this.config.columnConfigs ?? {}) : names;
  }

  private async fullColumnNames(): Promise<string[]> {
    if (this.names) return this.names;
    const { columnNames, hasHeader, columnConfigs } = this.config;
    let header: string[] | null = null;
    if (hasHeader) {
      const records = readRecords(this.path, this.config.delimiter, this.config.delimWhitespace);
      try {
        const first = await records.next();
        if (first.done) throw new Error(`${this.path}: the file is empty (no header line)`);
        header = first.value.fields;
      } finally {
        await records.return(undefined);
      }
    }
    if (!columnNames && !header) throw new Error('Column names must be given (columnNames) when the CSV file has no header line (hasHeader: false)');
    if (columnNames && header && columnNames.length !== header.length) {
      throw new RangeError(`${columnNames.length} columnNames were given but the header line of ${this.path} has ${header.length} columns`);
    }
    const names = columnNames ? columnNames.slice() : header!.map((h) => h.trim());
    const seen = new Set<string>();
    const duplicates = names.filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
    if (duplicates.length > 0) throw new Error(`Duplicate column names in ${this.path}: ${[...new Set(duplicates)].join(', ')}`);
    for (const key of Object.keys(columnConfigs ?? {})) {
      if (!names.includes(key)) throw new Error(`The column '${key}' of columnConfigs is not a column of ${this.path} (columns: ${names.join(', ')})`);
    }
    this.names = names;
    return names;
  }

  private async *rows(): AsyncGenerator<Record<string, unknown>> {
    const names = await this.fullColumnNames();
    const { columnConfigs = {}, configuredColumnsOnly, hasHeader } = this.config;
    const columns = names.map((name, index) => ({ name, index, config: columnConfigs[name] as ColumnConfig | undefined }))
      .filter((c) => !configuredColumnsOnly || c.config !== undefined);
    const hasLabels = columns.some((c) => c.config?.isLabel);
    let skipHeader = hasHeader;
    for await (const record of readRecords(this.path, this.config.delimiter, this.config.delimWhitespace)) {
      if (skipHeader) {
        skipHeader = false;
        continue;
      }
      const { fields, line } = record;
      if (fields.length !== names.length) {
        throw new Error(`${this.path}:${line}: expected ${names.length} fields (${names.join(', ')}) but the row has ${fields.length}`);
      }
      const xs: Record<string, unknown> = {};
      const ys: Record<string, unknown> = {};
      for (const { name, index, config } of columns) {
        const value = parseField(fields[index], config, name, `${this.path}:${line}`);
        if (config?.isLabel) ys[name] = value;
        else xs[name] = value;
      }
      yield hasLabels ? { xs, ys } : xs;
    }
  }
}

function parseField(text: string, config: ColumnConfig | undefined, name: string, where: string): unknown {
  if (text.trim() === '') {
    if (config?.default !== undefined) return config.default;
    if (config?.required || config?.isLabel) throw new Error(`${where}: the ${config.isLabel ? 'label' : 'required'} column '${name}' is empty`);
    return undefined;
  }
  const dtype = config?.dtype;
  if (dtype === 'string') return text;
  if (dtype === 'bool') {
    const t = text.trim().toLowerCase();
    if (t === 'true' || t === '1') return 1;
    if (t === 'false' || t === '0') return 0;
    throw new Error(`${where}: expected true, false, 1 or 0 in the bool column '${name}' but found ${JSON.stringify(text)}`);
  }
  const num = parseNumber(text);
  if (dtype === undefined) return num === null ? text : num;
  if (num === null) throw new Error(`${where}: expected a number in the ${dtype} column '${name}' but found ${JSON.stringify(text)}`);
  if (dtype === 'int32' && !Number.isInteger(num)) {
    throw new Error(`${where}: expected an integer in the int32 column '${name}' but found ${JSON.stringify(text)}`);
  }
  return num;
}

/** tf.data.csv: a dataset of the rows of a CSV file. */
export function csv(source: string, config: CSVConfig = {}): CSVDataset {
  return new CSVDataset(checkSource(source), config);
}
