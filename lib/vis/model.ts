// tn.vis.plotModel(model, path, {showShapes, …}): the picture Keras' plot_model draws — a box
// per layer (name, class, optionally activation, input and output shapes, trainable) and an
// arrow per connection — as a self-contained SVG, laid out here, with no Graphviz.
//
// The drawing works on a general graph (nodes and edges, `ModelGraph`), laid out in layers as
// dot does it (Note [Layered graph layout]); a Sequential model is the chain of its layers.
// When functional models land, graphOf() gains their case (a node per layer call, an edge per
// input tensor) and everything after it stays as it is.
import { expected, shapeString } from '../errors';
import { el, MONO, monoWidth, num, svgDocument, text, writeFileAtomic } from './svg';

export interface GraphNode {
  id: string;
  name: string;
  className: string;
  /** Shapes with the batch dimension (null: any); one per input / output. */
  inputShapes?: (number | null)[][];
  outputShapes?: (number | null)[][];
  activation?: string;
  /** undefined for a layer without weights (Keras shows trainable only for layers with weights). */
  trainable?: boolean;
}

export interface ModelGraph {
  name: string;
  nodes: GraphNode[];
  edges: { from: string; to: string }[];
}

export interface PlotModelOptions {
  /** Input and output shapes in each box (Keras' show_shapes; default false). */
  showShapes?: boolean;
  /** Layer names in the header (default true; false shows the class alone). */
  showLayerNames?: boolean;
  /** The activation of layers that have one (default false). */
  showLayerActivations?: boolean;
  /** Trainable / Non-trainable for layers with weights (default false). */
  showTrainable?: boolean;
  /** 'TB' (default): top to bottom; 'LR': left to right. */
  rankdir?: 'TB' | 'LR';
}

/** Keras options we do not implement: named in the error, never ignored. */
const NOT_IMPLEMENTED = ['showDtype', 'expandNested', 'dpi', 'layerRange'];
const OPTIONS = ['showShapes', 'showLayerNames', 'showLayerActivations', 'showTrainable', 'rankdir'];

// ---- the graph of a model ---------------------------------------------------------------------

interface LayerLike {
  name: string;
  getClassName(): string;
  builtInputShape?: number[];
  builtOutputShape?: number[];
  weightVariables: unknown[];
  trainable: boolean;
  getConfig(): Record<string, unknown>;
}

/** The graph of a model: today a Sequential (a chain of its layers). */
export function graphOf(model: unknown): ModelGraph {
  const m = model as { name?: string; layers?: LayerLike[]; inputShape?: () => number[] | undefined };
  if (m === null || typeof m !== 'object' || !Array.isArray(m.layers) || typeof m.inputShape !== 'function') {
    throw new TypeError(expected('a model (tn.sequential)', 'model', model));
  }
  if (m.layers.length === 0) throw new Error(`Model ${m.name} has no layers to plot`);
  if (m.inputShape() === undefined) {
    throw new Error(`Model ${m.name} is not built yet: give the first layer an inputShape, or call fit/predict first`);
  }
  const nodes = m.layers.map((l): GraphNode => {
    const activation = l.getConfig().activation;
    return {
      id: l.name,
      name: l.name,
      className: l.getClassName(),
      inputShapes: l.builtInputShape ? [[null, ...l.builtInputShape]] : undefined,
      outputShapes: l.builtOutputShape ? [[null, ...l.builtOutputShape]] : undefined,
      activation: typeof activation === 'string' ? activation : undefined,
      trainable: l.weightVariables.length > 0 ? l.trainable : undefined,
    };
  });
  const edges = nodes.slice(1).map((n, i) => ({ from: nodes[i].id, to: n.id }));
  return { name: m.name ?? 'model', nodes, edges };
}

// ---- boxes --------------------------------------------------------------------------------------

const FONT = 13;
const ROW_H = 26;
const PAD_X = 12;

interface Cell { text: string; fill: string; color: string; bold?: boolean }
interface Box { node: GraphNode; rows: Cell[][]; width: number; height: number }

function shapesText(shapes: (number | null)[][] | undefined): string {
  return shapes === undefined ? '?' : shapes.map((s) => shapeString(s)).join(', ');
}

function boxOf(node: GraphNode, o: Required<PlotModelOptions>): Box {
  const rows: Cell[][] = [];
  rows.push([{ text: o.showLayerNames ? `${node.name} (${node.className})` : node.className, fill: '#262626', color: '#ffffff', bold: true }]);
  if (o.showLayerActivations && node.activation !== undefined) {
    rows.push([{ text: `Activation: ${node.activation}`, fill: '#ffffff', color: '#222222' }]);
  }
  const cells: Cell[] = [];
  if (o.showShapes) {
    if (node.className !== 'InputLayer') cells.push({ text: `Input shape: ${shapesText(node.inputShapes)}`, fill: '#ffffff', color: '#222222' });
    cells.push({ text: `Output shape: ${shapesText(node.outputShapes)}`, fill: '#ffffff', color: '#222222' });
  }
  if (o.showTrainable && node.trainable !== undefined) {
    cells.push(node.trainable ? { text: 'Trainable', fill: '#228b22', color: '#ffffff', bold: true }
      : { text: 'Non-trainable', fill: '#b22222', color: '#ffffff', bold: true });
  }
  if (cells.length > 0) rows.push(cells);
  const rowWidth = (r: Cell[]): number => r.reduce((w, c) => w + monoWidth(c.text, FONT) + 2 * PAD_X, 0);
  const width = Math.max(120, ...rows.map(rowWidth));
  return { node, rows, width, height: rows.length * ROW_H };
}

function drawBox(b: Box, x: number, y: number): string {
  const parts: string[] = [];
  b.rows.forEach((row, r) => {
    const natural = row.map((c) => monoWidth(c.text, FONT) + 2 * PAD_X);
    const extra = (b.width - natural.reduce((a, w) => a + w, 0)) / row.length;
    let cx = x;
    row.forEach((c, i) => {
      const w = natural[i] + extra;
      const cy = y + r * ROW_H;
      parts.push(el('rect', { x: cx, y: cy, width: w, height: ROW_H, fill: c.fill, stroke: '#262626', 'stroke-width': 1 }));
      parts.push(text(cx + w / 2, cy + ROW_H / 2 + FONT * 0.36, c.text,
        { 'text-anchor': 'middle', fill: c.color, 'font-weight': c.bold ? 'bold' : undefined }));
      cx += w;
    });
  });
  parts.push(el('rect', { x, y, width: b.width, height: b.height, fill: 'none', stroke: '#262626', 'stroke-width': 1.5 }));
  return el('g', { class: 'node', 'data-name': b.node.name, 'data-class': b.node.className }, parts);
}

// ---- layout -------------------------------------------------------------------------------------

// Note [Layered graph layout]: as dot (Sugiyama's method), in four steps:
//   1. rank = the longest path from a source, so every edge points down (TB) or right (LR);
//   2. an edge spanning several ranks gets a point in each rank between, so it is routed around
//      the boxes of those ranks instead of through them;
//   3. within a rank, nodes are ordered by the mean position of their neighbours in the rank
//      before, then after (a few sweeps), which removes most crossings;
//   4. ranks are stacked along the main axis; across it each node moves toward the mean
//      position of its neighbours, keeping its order and spacing within the rank.
// A chain (Sequential) comes out as one straight column of boxes.

interface Slot { box: Box | null; id: string; size: number; cross: number; pos: number; main: number }

const RANK_GAP = 46;
const NODE_GAP = 36;

function layout(graph: ModelGraph, boxes: Map<string, Box>, lr: boolean) {
  const ids = graph.nodes.map((n) => n.id);
  const preds = new Map(ids.map((id) => [id, [] as string[]]));
  const succs = new Map(ids.map((id) => [id, [] as string[]]));
  for (const e of graph.edges) {
    if (!preds.has(e.to) || !succs.has(e.from)) throw new Error(`Edge ${e.from} -> ${e.to} names a node the graph does not have`);
    preds.get(e.to)!.push(e.from);
    succs.get(e.from)!.push(e.to);
  }
  // 1. Ranks by longest path, in topological order (Kahn); a cycle is an error.
  const rank = new Map<string, number>();
  const indegree = new Map(ids.map((id) => [id, preds.get(id)!.length]));
  const queue = ids.filter((id) => indegree.get(id) === 0);
  queue.forEach((id) => rank.set(id, 0));
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const s of succs.get(id)!) {
      rank.set(s, Math.max(rank.get(s) ?? 0, rank.get(id)! + 1));
      indegree.set(s, indegree.get(s)! - 1);
      if (indegree.get(s) === 0) queue.push(s);
    }
  }
  if (queue.length !== ids.length) throw new Error(`The graph of ${graph.name} has a cycle; a model graph cannot`);
  // 2. Ranks of slots: boxes, and a point for each rank an edge passes through.
  const ranks: Slot[][] = [];
  const slotOf = new Map<string, Slot>();
  const sizeMain = (b: Box): number => (lr ? b.width : b.height);
  const sizeCross = (b: Box): number => (lr ? b.height : b.width);
  for (const id of queue) {
    const b = boxes.get(id)!;
    const s: Slot = { box: b, id, size: sizeMain(b), cross: sizeCross(b), pos: 0, main: 0 };
    (ranks[rank.get(id)!] ??= []).push(s);
    slotOf.set(id, s);
  }
  const routes = graph.edges.map((e) => {
    const chain: Slot[] = [slotOf.get(e.from)!];
    for (let r = rank.get(e.from)! + 1; r < rank.get(e.to)!; r++) {
      const p: Slot = { box: null, id: `${e.from}->${e.to}@${r}`, size: 0, cross: 0, pos: 0, main: 0 };
      ranks[r].push(p);
      chain.push(p);
    }
    chain.push(slotOf.get(e.to)!);
    return { edge: e, chain };
  });
  const neighbours = new Map<Slot, { up: Slot[]; down: Slot[] }>();
  const nb = (s: Slot) => neighbours.get(s) ?? (neighbours.set(s, { up: [], down: [] }), neighbours.get(s)!);
  for (const { chain } of routes) {
    for (let i = 0; i + 1 < chain.length; i++) {
      nb(chain[i]).down.push(chain[i + 1]);
      nb(chain[i + 1]).up.push(chain[i]);
    }
  }
  // 3. Order within ranks by barycentres.
  const index = (s: Slot, r: number): number => ranks[r].indexOf(s);
  const sweep = (down: boolean): void => {
    const order = down ? ranks.map((_, r) => r).slice(1) : ranks.map((_, r) => r).reverse().slice(1);
    for (const r of order) {
      const other = down ? r - 1 : r + 1;
      const key = new Map(ranks[r].map((s, i) => {
        const ns = down ? nb(s).up : nb(s).down;
        return [s, ns.length === 0 ? i : ns.reduce((a, n) => a + index(n, other), 0) / ns.length];
      }));
      ranks[r].sort((a, b) => key.get(a)! - key.get(b)!);
    }
  };
  for (let i = 0; i < 4; i++) {
    sweep(true);
    sweep(false);
  }
  // 4. Coordinates. Along the main axis, ranks one after the other; an edge's point in a rank
  // spans the rank's whole depth (it is drawn straight through, past the boxes beside it).
  let main = 0;
  for (const row of ranks) {
    const depth = Math.max(0, ...row.map((s) => s.size));
    for (const s of row) {
      s.main = main + depth / 2;
      if (s.box === null) s.size = depth;
    }
    main += depth + RANK_GAP;
  }
  // Across it: each slot wants the mean position of its neighbours in the rank before (then
  // after); slots keep their order and their spacing, and a rank shifts as a whole to be as
  // close to what its slots want as it can. A chain lines up in one straight column.
  const place = (row: Slot[], want: number[]): void => {
    let prev: Slot | null = null;
    for (let i = 0; i < row.length; i++) {
      const s = row[i];
      s.pos = prev === null ? want[i] : Math.max(want[i], prev.pos + (prev.cross + s.cross) / 2 + NODE_GAP);
      prev = s;
    }
    const shift = row.reduce((a, s, i) => a + (want[i] - s.pos), 0) / row.length;
    for (const s of row) s.pos += shift;
  };
  for (const row of ranks) place(row, row.map(() => 0));
  for (let i = 0; i < 4; i++) {
    for (const down of [true, false]) {
      const order = down ? ranks.map((_, r) => r).slice(1) : ranks.map((_, r) => r).reverse().slice(1);
      for (const r of order) {
        const want = ranks[r].map((s) => {
          const ns = down ? nb(s).up : nb(s).down;
          return ns.length === 0 ? s.pos : ns.reduce((a, n) => a + n.pos, 0) / ns.length;
        });
        place(ranks[r], want);
      }
    }
  }
  const low = Math.min(...ranks.flat().map((s) => s.pos - s.cross / 2));
  for (const s of ranks.flat()) s.pos -= low;
  const widest = Math.max(...ranks.flat().map((s) => s.pos + s.cross / 2));
  return { ranks, routes, slotOf, crossSize: widest, mainSize: main - RANK_GAP };
}

// ---- drawing -----------------------------------------------------------------------------------

const MARGIN = 20;

/** The SVG text of a graph. */
export function graphSvg(graph: ModelGraph, options: PlotModelOptions = {}): string {
  const o = checkOptions(options);
  if (graph.nodes.length === 0) throw new Error(`Model ${graph.name} has no layers to plot`);
  const boxes = new Map(graph.nodes.map((n) => [n.id, boxOf(n, o)]));
  if (boxes.size !== graph.nodes.length) throw new Error(`The graph of ${graph.name} has two nodes with one id`);
  const lr = o.rankdir === 'LR';
  const { routes, slotOf, crossSize, mainSize } = layout(graph, boxes, lr);
  const point = (s: Slot, along: number): [number, number] => (lr ? [MARGIN + s.main + along, MARGIN + s.pos] : [MARGIN + s.pos, MARGIN + s.main + along]);
  // Where edges leave and enter a box: spread along its side when several share it.
  const outs = new Map<string, string[]>();
  const ins = new Map<string, string[]>();
  for (const e of graph.edges) {
    (outs.get(e.from) ?? (outs.set(e.from, []), outs.get(e.from)!)).push(e.to);
    (ins.get(e.to) ?? (ins.set(e.to, []), ins.get(e.to)!)).push(e.from);
  }
  const spread = (s: Slot, k: number, m: number): number => (m <= 1 ? 0 : (((k + 1) / (m + 1)) - 0.5) * s.cross * 0.6);
  const edges = routes.map(({ edge, chain }) => {
    // The points an edge passes: out of its source, into and out of each rank between, into its target.
    const pts: [number, number][] = [];
    chain.forEach((s, i) => {
      if (i === 0) {
        const [x, y] = point(s, s.size / 2);
        const d = spread(s, outs.get(edge.from)!.indexOf(edge.to), outs.get(edge.from)!.length);
        pts.push(lr ? [x, y + d] : [x + d, y]);
      } else if (i === chain.length - 1) {
        const [x, y] = point(s, -s.size / 2);
        const d = spread(s, ins.get(edge.to)!.indexOf(edge.from), ins.get(edge.to)!.length);
        pts.push(lr ? [x, y + d] : [x + d, y]);
      } else {
        pts.push(point(s, -s.size / 2), point(s, s.size / 2));
      }
    });
    // Between ranks a smooth curve, tangent to the main axis at both ends; through a rank a straight line.
    let d = `M${num(pts[0][0])} ${num(pts[0][1])}`;
    for (let i = 1; i < pts.length; i++) {
      const [x0, y0] = pts[i - 1];
      const [x1, y1] = pts[i];
      if (i % 2 === 0) {
        d += `L${num(x1)} ${num(y1)}`;
        continue;
      }
      const c = lr ? [(x0 + x1) / 2, y0, (x0 + x1) / 2, y1] : [x0, (y0 + y1) / 2, x1, (y0 + y1) / 2];
      d += `C${c.map(num).join(' ')} ${num(x1)} ${num(y1)}`;
    }
    return el('path', { class: 'edge', 'data-from': edge.from, 'data-to': edge.to, d, fill: 'none', stroke: '#262626', 'stroke-width': 1.6,
      'marker-end': 'url(#arrow)' });
  });
  const nodes = graph.nodes.map((n) => {
    const s = slotOf.get(n.id)!;
    const b = boxes.get(n.id)!;
    const [cx, cy] = point(s, 0);
    return drawBox(b, cx - b.width / 2, cy - b.height / 2);
  });
  const width = (lr ? mainSize : crossSize) + 2 * MARGIN;
  const height = (lr ? crossSize : mainSize) + 2 * MARGIN;
  const defs = el('defs', {}, el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 9, markerHeight: 9,
    markerUnits: 'userSpaceOnUse', orient: 'auto' }, el('path', { d: 'M0 0L10 5L0 10z', fill: '#262626' })));
  return svgDocument(width, height, `Model ${graph.name}`, [defs, el('rect', { width, height, fill: '#ffffff' }),
    el('g', { class: 'edges' }, edges), el('g', { class: 'nodes', 'font-family': MONO, 'font-size': FONT }, nodes)]);
}

function checkOptions(options: PlotModelOptions): Required<PlotModelOptions> {
  if (options === null || typeof options !== 'object') throw new TypeError(expected('an object {showShapes, …}', 'options', options));
  for (const k of Object.keys(options)) {
    if (NOT_IMPLEMENTED.includes(k)) throw new Error(`plotModel: the option ${k} is not implemented (the options are ${OPTIONS.join(', ')})`);
    if (!OPTIONS.includes(k)) throw new TypeError(`plotModel: unknown option '${k}' (the options are ${OPTIONS.join(', ')})`);
  }
  const flag = (k: keyof PlotModelOptions, fallback: boolean): boolean => {
    const v = options[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw new TypeError(expected('a boolean', k, v));
    return v;
  };
  const rankdir = options.rankdir ?? 'TB';
  if (rankdir !== 'TB' && rankdir !== 'LR') throw new TypeError(expected("'TB' or 'LR'", 'rankdir', rankdir));
  return {
    showShapes: flag('showShapes', false),
    showLayerNames: flag('showLayerNames', true),
    showLayerActivations: flag('showLayerActivations', false),
    showTrainable: flag('showTrainable', false),
    rankdir,
  };
}

/** Writes the picture of a model's layer graph to an SVG file; returns the SVG text. */
export function plotModel(model: unknown, path: string, options: PlotModelOptions = {}): string {
  const svg = graphSvg(graphOf(model), options);
  writeFileAtomic(path, svg);
  return svg;
}
