// tn.vis.plotHistory(history, path, {metrics}) and history.plot(path, {metrics}): training
// curves as a self-contained SVG, without TensorBoard. One panel per metric (loss, acc, …), in
// each the training curve and, where fit validated, the validation one (val_<metric>), with
// axes, ticks and a legend; matplotlib's colours, which Keras users know from their own plots.
import { expected } from '../errors';
import { Ticks, axisTicks, el, formatTick, num, SANS, sansWidth, svgDocument, text, writeFileAtomic } from './svg';

export interface PlotHistoryOptions {
  /** Metrics to draw, one panel each (default: every metric in the history, loss first). */
  metrics?: string[];
  /** Size of one panel in pixels (default 460 x 300). */
  width?: number;
  height?: number;
}

/** What is plotted: fit's History, or anything with its `history` (and `epoch`) fields. */
export interface HistoryLike {
  epoch?: number[];
  history: Record<string, number[]>;
}

const COLORS = { training: '#1f77b4', validation: '#ff7f0e' };
const MARGIN = { left: 62, right: 18, top: 44, bottom: 46 };
const GAP = 16;
/** Above this many epochs, points are not marked (the line alone reads better). */
const MAX_MARKED_POINTS = 60;

interface Series {
  key: string;
  label: 'training' | 'validation';
  values: number[];
}

function checkHistory(history: unknown): HistoryLike {
  const h = history as HistoryLike;
  if (h === null || typeof h !== 'object' || h.history === null || typeof h.history !== 'object') {
    throw new TypeError(expected('a History (what model.fit returns)', 'history', history));
  }
  for (const [k, v] of Object.entries(h.history)) {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new TypeError(expected('an array of numbers', `history.history.${k}`, v));
  }
  return h;
}

function checkSize(v: unknown, argument: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 160 || v > 4000) throw new RangeError(expected('an integer in [160, 4000]', argument, v));
  return v;
}

/** The metrics to draw: the given ones (each must be in the history), or every base metric. */
function metricsOf(h: HistoryLike, requested: unknown): string[] {
  const keys = Object.keys(h.history);
  if (requested !== undefined) {
    if (!Array.isArray(requested) || requested.length === 0 || !requested.every((m) => typeof m === 'string')) {
      throw new TypeError(expected('a non-empty array of metric names', 'metrics', requested));
    }
    for (const m of requested) {
      if (!keys.includes(m)) throw new RangeError(`metrics: '${m}' is not in this history, which has ${keys.map((k) => `'${k}'`).join(', ')}`);
    }
    return requested as string[];
  }
  const base = keys.filter((k) => !k.startsWith('val_') || !keys.includes(k.slice(4)));
  if (base.length === 0) throw new RangeError('The history has no metrics to plot (did fit run any epoch?)');
  return base.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
}

function seriesOf(h: HistoryLike, metric: string): Series[] {
  if (metric.startsWith('val_')) return [{ key: metric, label: 'validation', values: h.history[metric] }];
  const out: Series[] = [{ key: metric, label: 'training', values: h.history[metric] }];
  const val = h.history[`val_${metric}`];
  if (val !== undefined) out.push({ key: `val_${metric}`, label: 'validation', values: val });
  return out;
}

/** The path of a series through its finite points; a NaN or infinity breaks the line. */
function linePath(xs: number[], ys: number[], sx: (x: number) => number, sy: (y: number) => number): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < ys.length; i++) {
    if (!Number.isFinite(ys[i])) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${num(sx(xs[i]))} ${num(sy(ys[i]))}`;
    pen = true;
  }
  return d;
}

function panel(h: HistoryLike, metric: string, x0: number, y0: number, width: number, height: number): string {
  const series = seriesOf(h, metric);
  const n = Math.max(...series.map((s) => s.values.length));
  const epochs = h.epoch !== undefined && h.epoch.length === n ? h.epoch.map((e) => e + 1) : Array.from({ length: n }, (_, i) => i + 1);
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const left = x0 + MARGIN.left;
  const top = y0 + MARGIN.top;
  const xt: Ticks = axisTicks(epochs[0], epochs[epochs.length - 1], Math.max(2, Math.min(8, Math.floor(plotW / 55))), true);
  const yt: Ticks = finite.length > 0 ? axisTicks(Math.min(...finite), Math.max(...finite), Math.max(3, Math.floor(plotH / 40))) : axisTicks(0, 1);
  const sx = (x: number): number => left + ((x - xt.lo) / (xt.hi - xt.lo)) * plotW;
  const sy = (y: number): number => top + plotH - ((y - yt.lo) / (yt.hi - yt.lo)) * plotH;
  const parts: string[] = [];
  parts.push(el('rect', { x: x0, y: y0, width, height, fill: '#ffffff' }));
  parts.push(text(left, y0 + 22, metric, { 'font-size': 15, 'font-weight': 'bold', fill: '#222222' }));
  // Grid and ticks.
  const yTicks = yt.values.map((v) => [
    el('line', { x1: left, x2: left + plotW, y1: sy(v), y2: sy(v), stroke: '#e6e6e6', 'stroke-width': 1 }),
    text(left - 7, sy(v) + 4, formatTick(v, yt.step), { 'text-anchor': 'end' }),
  ].join(''));
  parts.push(el('g', { class: 'y-ticks', 'font-size': 11, fill: '#444444' }, yTicks));
  const xTicks = xt.values.map((v) => [
    el('line', { x1: sx(v), x2: sx(v), y1: top + plotH, y2: top + plotH + 5, stroke: '#444444', 'stroke-width': 1 }),
    text(sx(v), top + plotH + 18, String(v), { 'text-anchor': 'middle' }),
  ].join(''));
  parts.push(el('g', { class: 'x-ticks', 'font-size': 11, fill: '#444444' }, xTicks));
  parts.push(el('rect', { x: left, y: top, width: plotW, height: plotH, fill: 'none', stroke: '#444444', 'stroke-width': 1 }));
  parts.push(text(left + plotW / 2, top + plotH + 38, 'epoch', { 'text-anchor': 'middle', 'font-size': 12, fill: '#444444' }));
  // Curves (one path each) and their points, clipped to the plot area.
  const clipId = `clip-${metric.replace(/[^A-Za-z0-9_-]/g, '_')}-${Math.round(x0)}-${Math.round(y0)}`;
  parts.push(el('clipPath', { id: clipId }, el('rect', { x: left - 4, y: top - 4, width: plotW + 8, height: plotH + 8 })));
  const curves: string[] = [];
  for (const s of series) {
    const color = COLORS[s.label];
    curves.push(el('path', { class: 'series', 'data-series': s.key, d: linePath(epochs, s.values, sx, sy) || undefined,
      fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'stroke-linecap': 'round' }));
    if (s.values.length <= MAX_MARKED_POINTS) {
      const points = s.values.map((v, i) => (Number.isFinite(v) ? el('circle', { cx: sx(epochs[i]), cy: sy(v), r: 3, fill: color }) : ''));
      curves.push(el('g', { class: 'points', 'data-series': s.key }, points));
    }
  }
  parts.push(el('g', { 'clip-path': `url(#${clipId})` }, curves));
  if (finite.length === 0) {
    parts.push(text(left + plotW / 2, top + plotH / 2, 'no finite values', { 'text-anchor': 'middle', 'font-size': 12, fill: '#888888' }));
  }
  // Legend: top right, one entry per series.
  let lx = left + plotW;
  const legend: string[] = [];
  for (const s of [...series].reverse()) {
    const label = `${s.label} (${s.key})`;
    lx -= sansWidth(label, 11) + 30;
    legend.push(el('line', { x1: lx, x2: lx + 20, y1: y0 + 18, y2: y0 + 18, stroke: COLORS[s.label], 'stroke-width': 2.5 }));
    legend.push(text(lx + 25, y0 + 22, label, { 'font-size': 11, fill: '#222222' }));
  }
  parts.push(el('g', { class: 'legend' }, legend));
  return el('g', { class: 'panel', 'data-metric': metric, 'font-family': SANS }, parts);
}

/** The SVG text of the curves. */
export function historySvg(history: HistoryLike, options: PlotHistoryOptions = {}): string {
  const h = checkHistory(history);
  if (options === null || typeof options !== 'object') throw new TypeError(expected('an object {metrics, width, height}', 'options', options));
  for (const k of Object.keys(options)) {
    if (!['metrics', 'width', 'height'].includes(k)) throw new TypeError(`plotHistory: unknown option '${k}' (the options are metrics, width and height)`);
  }
  const metrics = metricsOf(h, options.metrics);
  const width = checkSize(options.width, 'width', 460);
  const height = checkSize(options.height, 'height', 300);
  const columns = Math.min(2, metrics.length);
  const rows = Math.ceil(metrics.length / columns);
  const panels = metrics.map((m, i) => panel(h, m, GAP / 2 + (i % columns) * (width + GAP), GAP / 2 + Math.floor(i / columns) * (height + GAP), width, height));
  const totalW = columns * width + columns * GAP;
  const totalH = rows * height + rows * GAP;
  return svgDocument(totalW, totalH, `Training history: ${metrics.join(', ')}`, [el('rect', { width: totalW, height: totalH, fill: '#f7f7f7' }), ...panels]);
}

/** Writes the curves of a History to an SVG file; returns the SVG text. */
export function plotHistory(history: HistoryLike, path: string, options: PlotHistoryOptions = {}): string {
  const svg = historySvg(history, options);
  writeFileAtomic(path, svg);
  return svg;
}
