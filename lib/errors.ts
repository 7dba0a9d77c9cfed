// Argument validation: small predicates and ONE message formatter, so every error reads
// "Expected <what> for <argument> but received <value> (<type>)".

/** A short rendering of a value inside an array: 1, 'a', [1, 2], Float32Array(3). */
function brief(value: unknown): string {
  if (Array.isArray(value)) return `[${value.slice(0, 8).map(brief).join(', ')}${value.length > 8 ? ', …' : ''}]`;
  if (typeof value === 'string') return `'${value}'`;
  if (value !== null && typeof value === 'object') return describe(value);
  return String(value);
}

/** A value and its type, as error messages show it: -1 (number), 'relu7' (string), [3] (array). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `${brief(value)} (array)`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (typeof value === 'string') return `'${value}' (string)`;
  if (typeof value === 'object') return `${(value as object).constructor?.name ?? 'object'}`;
  return `${String(value)} (${typeof value})`;
}

export function expected(what: string, argument: string, value: unknown): string {
  return `Expected ${what} for ${argument} but received ${describe(value)}`;
}

export function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

export function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function checkPositiveInteger(v: unknown, argument: string): number {
  if (!isPositiveInteger(v)) throw new TypeError(expected('a positive integer', argument, v));
  return v;
}

export function checkNonNegativeInteger(v: unknown, argument: string): number {
  if (!isNonNegativeInteger(v)) throw new TypeError(expected('a non-negative integer', argument, v));
  return v;
}

export function checkNumberInRange(v: unknown, argument: string, min: number, max: number, minInclusive = true,
  maxInclusive = true): number {
  const ok = isFiniteNumber(v) && (minInclusive ? v >= min : v > min) && (maxInclusive ? v <= max : v < max);
  if (!ok) {
    const range = `${minInclusive ? '[' : '('}${min}, ${max}${maxInclusive ? ']' : ')'}`;
    throw new RangeError(expected(`a number in ${range}`, argument, v));
  }
  return v as number;
}

export function checkPositiveNumber(v: unknown, argument: string): number {
  if (!isFiniteNumber(v) || v <= 0) throw new RangeError(expected('a positive number', argument, v));
  return v;
}

export function checkBoolean(v: unknown, argument: string): boolean {
  if (typeof v !== 'boolean') throw new TypeError(expected('a boolean', argument, v));
  return v;
}

export function checkOneOf<T extends string>(v: unknown, argument: string, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new TypeError(expected(`one of ${choices.map((c) => `'${c}'`).join(', ')}`, argument, v));
  }
  return v as T;
}

/** A shape: an array of positive integers (null allowed for the batch dimension where stated). */
export function checkShape(v: unknown, argument: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => isPositiveInteger(d))) {
    throw new TypeError(expected('a shape (an array of positive integers)', argument, v));
  }
  return v.slice();
}

export function shapeString(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/** Throws when a (batch-less) shape differs from the expected one. */
export function checkShapeEquals(actual: readonly number[], expectedShape: readonly number[], argument: string): void {
  if (actual.length !== expectedShape.length || actual.some((d, i) => d !== expectedShape[i])) {
    throw new RangeError(`Expected shape ${shapeString(expectedShape)} for ${argument} but received shape ${shapeString(actual)}`);
  }
}
