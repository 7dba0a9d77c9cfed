// Small pieces for writing SVG by hand: escaping, elements, axis ticks, text widths, and the
// atomic file write. The plots (history.ts, model.ts) are self-contained SVG 1.1 documents:
// no scripts, no external fonts, images or styles, so any browser or viewer shows them alike.
import * as fs from 'fs';
import * as path from 'path';
import { expected } from '../errors';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export type Attrs = Record<string, string | number | undefined>;

/** Coordinates with at most 2 decimals (enough at screen resolution, and short files). */
export function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** <name attrs>children</name>, or <name attrs/> without children. Text children must be escaped by the caller. */
export function el(name: string, attrs: Attrs, children?: string | string[]): string {
  let s = `<${name}`;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    s += ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`;
  }
  const inner = Array.isArray(children) ? children.join('') : children;
  return inner === undefined || inner === '' ? `${s}/>` : `${s}>${inner}</${name}>`;
}

export function text(x: number, y: number, content: string, attrs: Attrs = {}): string {
  return el('text', { x, y, ...attrs }, escapeXml(content));
}

export function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    el('svg', { xmlns: 'http://www.w3.org/2000/svg', version: '1.1', width: Math.ceil(width), height: Math.ceil(height),
      viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}` }, [el('title', {}, escapeXml(title)), ...body]) + '\n';
}

export const SANS = 'DejaVu Sans, Helvetica, Arial, sans-serif';
export const MONO = 'DejaVu Sans Mono, Menlo, Consolas, monospace';

/** Width of a string in a monospace font (DejaVu Sans Mono advances 0.602 em; others are close). */
export function monoWidth(s: string, fontSize: number): number {
  return [...s].length * 0.602 * fontSize;
}

/** An upper estimate of a string's width in the sans-serif font (for layout, not for exactness). */
export function sansWidth(s: string, fontSize: number): number {
  return [...s].length * 0.62 * fontSize;
}

export interface Ticks {
  /** The axis' range: the data's, padded 5% on each side (matplotlib's margins). */
  lo: number;
  hi: number;
  step: number;
  /** Round values (1, 2, 2.5 or 5 × 10^k apart; integers when asked) inside [lo, hi]. */
  values: number[];
}

function niceStep(rough: number, integer: boolean): number {
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const residual = rough / magnitude;
  const mantissas = integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  // The round step nearest the rough one (on a log scale).
  const best = mantissas.reduce((a, m) => (Math.abs(Math.log(m / residual)) < Math.abs(Math.log(a / residual)) ? m : a));
  const step = best * magnitude;
  return integer ? Math.max(1, step) : step;
}

/** An axis over [min, max] with about `target` ticks. */
export function axisTicks(min: number, max: number, target = 5, integer = false): Ticks {
  let lo: number;
  let hi: number;
  if (max > min) {
    const pad = (max - min) * 0.05;
    lo = min - pad;
    hi = max + pad;
  } else {
    // One value: a band around it.
    const pad = integer ? 1 : min === 0 ? 1 : Math.abs(min) * 0.1;
    lo = min - pad;
    hi = max + pad;
  }
  const step = niceStep((hi - lo) / target, integer);
  const values: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return { lo, hi, step, values };
}

/** A tick label with as many decimals as the step needs: step 0.05 -> '0.35', step 1e-8 -> '3.5e-7'. */
export function formatTick(v: number, step: number): string {
  if (Math.abs(v) < step * 1e-6) return '0';
  const exp = Math.floor(Math.log10(step) + 1e-9);
  const extra = Math.abs(step / 10 ** exp - 2.5) < 1e-6 ? 1 : 0; // 2.5 steps need one more digit
  const decimals = Math.max(0, extra - exp);
  if (Math.abs(v) >= 1e6 || decimals > 6) {
    const digits = Math.max(0, Math.floor(Math.log10(Math.abs(v)) + 1e-9) - exp + extra);
    return v.toExponential(digits).replace('e+', 'e');
  }
  return v.toFixed(decimals);
}

/** Writes the file through a temporary name and a rename, so no reader sees half a plot. */
export function writeFileAtomic(file: string, contents: string, argument = 'path'): void {
  if (typeof file !== 'string' || file.length === 0) throw new TypeError(expected('a non-empty file path', argument, file));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, contents);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`Cannot write ${file}: ${(e as Error).message}`);
  }
}
