// tn.vis: training curves (plotHistory, history.plot) and the layer graph (plotModel) as SVG.
// Each SVG is parsed by a strict XML parser (saxes: any well-formedness error throws) into a
// small tree, and checked for what it must show: a panel per metric, a curve per series,
// axes, ticks and a legend; a box per layer with its name, class and shapes, an arrow per
// connection, and — for a branching graph — no arrow through a box and no boxes overlapping.
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { SaxesParser } = require('saxes');
const { tn } = require('./helpers');
const { graphSvg } = require('../dist/vis/model');

let tmp;
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tensornode-vis-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Parses XML strictly into {name, attrs, children, text}; throws on any well-formedness error. */
function parseXml(xml) {
  const parser = new SaxesParser({ xmlns: true });
  const root = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  let failure = null;
  parser.on('error', (e) => { failure ??= e; });
  parser.on('opentag', (t) => {
    const node = { name: t.local, ns: t.uri, attrs: Object.fromEntries(Object.values(t.attributes).map((a) => [a.name, a.value])), children: [], text: '' };
    stack.at(-1).children.push(node);
    stack.push(node);
  });
  parser.on('text', (s) => { stack.at(-1).text += s; });
  parser.on('closetag', () => stack.pop());
  parser.write(xml).close();
  if (failure) throw failure;
  assert.strictEqual(root.children.length, 1);
  return root.children[0];
}

function all(node, pred, out = []) {
  if (pred(node)) out.push(node);
  for (const c of node.children) all(c, pred, out);
  return out;
}
const byClass = (node, cls) => all(node, (n) => (n.attrs.class ?? '').split(' ').includes(cls));
const textOf = (node) => all(node, (n) => n.name === 'text').map((t) => t.text);

/** Nothing outside the file: no scripts, images, links, external styles or fonts. */
function assertSelfContained(svg, doc) {
  assert.strictEqual(doc.name, 'svg');
  assert.strictEqual(doc.ns, 'http://www.w3.org/2000/svg');
  assert.ok(/^\d+$/.test(doc.attrs.width) && /^\d+$/.test(doc.attrs.height), 'width and height in pixels');
  assert.deepStrictEqual(all(doc, (n) => ['script', 'image', 'a', 'foreignObject', 'style', 'use'].includes(n.name)), []);
  for (const n of all(doc, () => true)) {
    for (const [k, v] of Object.entries(n.attrs)) {
      assert.ok(!/^(xlink:)?href$/.test(k), `${n.name} has ${k}`);
      assert.ok(!/url\((?!#)/.test(v), `${n.name} ${k}="${v}" points outside the file`);
      assert.ok(!/^on/i.test(k), `${n.name} has an event handler ${k}`);
    }
  }
  assert.ok(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
}

/** The points of an SVG path with M, L and C commands (C: its end point, and its control points when asked). */
function pathPoints(d) {
  const tokens = d.match(/[MLC]|-?\d+(\.\d+)?/g);
  const subpaths = [];
  let cmd = null;
  for (let i = 0; i < tokens.length;) {
    if (/[MLC]/.test(tokens[i])) cmd = tokens[i++];
    const n = cmd === 'C' ? 6 : 2;
    const v = tokens.slice(i, i + n).map(Number);
    i += n;
    if (cmd === 'M') subpaths.push([]);
    subpaths.at(-1).push({ cmd, v });
  }
  return subpaths;
}

describe('tn.vis.plotHistory and history.plot', () => {
  async function trainedHistory() {
    tn.setSeed(4);
    const rand = require('./helpers').makeRandom(9);
    const x = rand(120 * 4, 0, 1);
    const y = new Float32Array(120).map((_, i) => (x[4 * i] > x[4 * i + 1] ? 1 : 0));
    const model = tn.sequential({ layers: [tn.layers.dense({ units: 6, activation: 'relu', inputShape: [4] }), tn.layers.dense({ units: 1, activation: 'sigmoid' })] });
    model.compile({ optimizer: tn.train.adam(0.02), loss: 'binaryCrossentropy', metrics: ['accuracy', 'mse'] });
    return model.fit(tn.tensor2d(x, [120, 4]), tn.tensor2d(y, [120, 1]), { epochs: 7, batchSize: 16, validationSplit: 0.25, verbose: 0 });
  }

  it('history.plot writes a well-formed, self-contained SVG: a panel per metric, a curve per series, axes, ticks, legend', async () => {
    const history = await trainedHistory();
    const file = path.join(tmp, 'history.svg');
    const returned = history.plot(file);
    const svg = fs.readFileSync(file, 'utf8');
    assert.strictEqual(returned, svg);
    const doc = parseXml(svg);
    assertSelfContained(svg, doc);
    const panels = byClass(doc, 'panel');
    assert.deepStrictEqual(panels.map((p) => p.attrs['data-metric']), ['loss', 'acc', 'mse']);
    for (const p of panels) {
      const m = p.attrs['data-metric'];
      const series = byClass(p, 'series');
      assert.deepStrictEqual(series.map((s) => s.attrs['data-series']), [m, `val_${m}`], 'one curve per series');
      for (const s of series) {
        const values = history.history[s.attrs['data-series']];
        const sub = pathPoints(s.attrs.d);
        assert.strictEqual(sub.length, 1, 'one unbroken line');
        assert.strictEqual(sub[0].length, values.length, 'a vertex per epoch');
        // Higher values are drawn higher: the y order of the vertices is the reverse of the values'.
        for (let i = 1; i < values.length; i++) {
          const dy = sub[0][i].v[1] - sub[0][i - 1].v[1];
          const dv = values[i] - values[i - 1];
          if (Math.abs(dv) > 1e-6) assert.ok(Math.sign(dy) === -Math.sign(dv), `${s.attrs['data-series']} epoch ${i}`);
        }
        assert.strictEqual(all(byClass(p, 'points').find((g) => g.attrs['data-series'] === s.attrs['data-series']), (n) => n.name === 'circle').length, values.length);
      }
      assert.deepStrictEqual(textOf(byClass(p, 'legend')[0]), [`validation (val_${m})`, `training (${m})`]);
      const xTicks = textOf(byClass(p, 'x-ticks')[0]).map(Number);
      assert.ok(xTicks.length >= 2 && xTicks.every(Number.isInteger), `x ticks ${xTicks}`);
      const yTicks = textOf(byClass(p, 'y-ticks')[0]).map(Number);
      assert.ok(yTicks.length >= 3 && yTicks.every(Number.isFinite), `y ticks ${yTicks}`);
      const all_ = [...history.history[m], ...history.history[`val_${m}`]];
      assert.ok(yTicks[0] <= Math.max(...all_) && yTicks.at(-1) >= Math.min(...all_), 'the ticks cover the values');
      assert.ok(textOf(p).includes('epoch') && textOf(p).includes(m), 'axis label and title');
    }
  });

  it('tn.vis.plotHistory draws only the metrics asked for; unknown ones are errors naming what there is', async () => {
    const history = await trainedHistory();
    const svg = tn.vis.plotHistory(history, path.join(tmp, 'acc.svg'), { metrics: ['acc'], width: 300, height: 200 });
    const doc = parseXml(svg);
    assert.deepStrictEqual(byClass(doc, 'panel').map((p) => p.attrs['data-metric']), ['acc']);
    assert.strictEqual(doc.attrs.width, String(300 + 16));
    assert.throws(() => tn.vis.plotHistory(history, path.join(tmp, 'x.svg'), { metrics: ['accuracy'] }),
      /metrics: 'accuracy' is not in this history, which has 'loss', 'acc', 'mse', 'val_loss', 'val_acc', 'val_mse'/);
    assert.throws(() => tn.vis.plotHistory(history, path.join(tmp, 'x.svg'), { metric: ['acc'] }), /unknown option 'metric'/);
    assert.throws(() => tn.vis.plotHistory(history, path.join(tmp, 'x.svg'), { width: 10 }), /Expected an integer in \[160, 4000\] for width but received 10/);
    assert.throws(() => tn.vis.plotHistory({ loss: [1] }, path.join(tmp, 'x.svg')), /Expected a History/);
    assert.throws(() => history.plot(path.join(tmp, 'no-such-folder', 'x.svg')), /Cannot write .*no-such-folder.*ENOENT/);
    assert.throws(() => history.plot(''), /Expected a non-empty file path for path/);
    assert.ok(!fs.readdirSync(tmp).some((f) => f.endsWith('.tmp')), 'no temporary file left behind');
  });

  it('NaN and infinite values break the line instead of bending it; one epoch is a point; a metric with no finite value says so', () => {
    const svg = tn.vis.plotHistory({ history: { loss: [1, 0.8, NaN, 0.5, Infinity, 0.3, 0.2], mse: [NaN, NaN] } }, path.join(tmp, 'nan.svg'));
    const doc = parseXml(svg);
    const [loss, mse] = byClass(doc, 'panel');
    const sub = pathPoints(byClass(loss, 'series')[0].attrs.d);
    assert.deepStrictEqual(sub.map((s) => s.length), [2, 1, 2]);
    assert.strictEqual(all(loss, (n) => n.name === 'circle').length, 5);
    assert.ok(textOf(mse).includes('no finite values'));
    assert.strictEqual(byClass(mse, 'series')[0].attrs.d, undefined);
    const one = parseXml(tn.vis.plotHistory({ epoch: [0], history: { loss: [0.5], val_loss: [0.6] } }, path.join(tmp, 'one.svg')));
    assert.strictEqual(all(one, (n) => n.name === 'circle').length, 2);
    // Initial epochs count from where the history says: epoch 3, 4 are drawn at 4, 5.
    const later = parseXml(tn.vis.plotHistory({ epoch: [3, 4], history: { loss: [0.5, 0.4] } }, path.join(tmp, 'later.svg')));
    assert.ok(textOf(byClass(later, 'x-ticks')[0]).includes('4'));
  });
});

describe('tn.vis.plotModel', () => {
  function mlp() {
    return tn.sequential({
      name: 'mlp',
      layers: [tn.layers.dense({ units: 64, activation: 'relu', inputShape: [784], name: 'hidden' }), tn.layers.dropout({ rate: 0.2, name: 'drop' }),
        tn.layers.dense({ units: 10, activation: 'softmax', name: 'out', trainable: false })],
    });
  }

  it('a box per layer (name and class) and an arrow per connection, top to bottom', () => {
    const svg = tn.vis.plotModel(mlp(), path.join(tmp, 'mlp.svg'));
    assert.strictEqual(fs.readFileSync(path.join(tmp, 'mlp.svg'), 'utf8'), svg);
    const doc = parseXml(svg);
    assertSelfContained(svg, doc);
    const nodes = byClass(doc, 'node');
    assert.deepStrictEqual(nodes.map((n) => [n.attrs['data-name'], n.attrs['data-class']]), [['hidden', 'Dense'], ['drop', 'Dropout'], ['out', 'Dense']]);
    assert.deepStrictEqual(nodes.map(textOf), [['hidden (Dense)'], ['drop (Dropout)'], ['out (Dense)']]);
    const edges = byClass(doc, 'edge');
    assert.deepStrictEqual(edges.map((e) => [e.attrs['data-from'], e.attrs['data-to']]), [['hidden', 'drop'], ['drop', 'out']]);
    for (const e of edges) assert.strictEqual(e.attrs['marker-end'], 'url(#arrow)');
    assert.strictEqual(all(doc, (n) => n.name === 'marker' && n.attrs.id === 'arrow').length, 1);
    // A chain is one straight column: every arrow vertical, from the bottom of a box to the top of the next.
    const rects = nodes.map((n) => all(n, (c) => c.name === 'rect').at(-1).attrs).map((a) => ({ x: +a.x, y: +a.y, w: +a.width, h: +a.height }));
    edges.forEach((e, i) => {
      const [[start, end]] = pathPoints(e.attrs.d);
      assert.strictEqual(start.v[0], end.v[4]);
      assert.ok(Math.abs(start.v[1] - (rects[i].y + rects[i].h)) < 0.01 && Math.abs(end.v[5] - rects[i + 1].y) < 0.01);
      assert.ok(Math.abs(start.v[0] - (rects[i].x + rects[i].w / 2)) < 0.01);
    });
  });

  it('showShapes, showLayerActivations, showTrainable and showLayerNames show what Keras\' plot_model shows', () => {
    const doc = parseXml(tn.vis.plotModel(mlp(), path.join(tmp, 'mlp-all.svg'),
      { showShapes: true, showLayerActivations: true, showTrainable: true }));
    assert.deepStrictEqual(byClass(doc, 'node').map(textOf), [
      ['hidden (Dense)', 'Activation: relu', 'Input shape: [null, 784]', 'Output shape: [null, 64]', 'Trainable'],
      ['drop (Dropout)', 'Input shape: [null, 64]', 'Output shape: [null, 64]'],
      ['out (Dense)', 'Activation: softmax', 'Input shape: [null, 64]', 'Output shape: [null, 10]', 'Non-trainable'],
    ]);
    const plain = parseXml(tn.vis.plotModel(mlp(), path.join(tmp, 'mlp-classes.svg'), { showLayerNames: false }));
    assert.deepStrictEqual(byClass(plain, 'node').map(textOf), [['Dense'], ['Dropout'], ['Dense']]);
    // Text fits its box (monospace widths).
    for (const n of byClass(doc, 'node')) {
      const cells = all(n, (c) => c.name === 'rect').slice(0, -1);
      const texts = all(n, (c) => c.name === 'text');
      texts.forEach((t, i) => assert.ok(t.text.length * 0.602 * 13 <= +cells[i].attrs.width, `'${t.text}' fits`));
    }
  });

  it('rankdir LR lays the boxes left to right', () => {
    const doc = parseXml(tn.vis.plotModel(mlp(), path.join(tmp, 'lr.svg'), { rankdir: 'LR', showShapes: true }));
    const frames = byClass(doc, 'node').map((n) => all(n, (c) => c.name === 'rect').at(-1).attrs);
    for (let i = 1; i < frames.length; i++) assert.ok(+frames[i].x > +frames[i - 1].x + +frames[i - 1].width);
    assert.ok(+doc.attrs.width > +doc.attrs.height);
  });

  it('options that are wrong or not implemented, and models that cannot be drawn, are errors', () => {
    const model = mlp();
    const file = path.join(tmp, 'x.svg');
    assert.throws(() => tn.vis.plotModel(model, file, { showDtype: true }), /the option showDtype is not implemented/);
    assert.throws(() => tn.vis.plotModel(model, file, { expandNested: true }), /the option expandNested is not implemented/);
    assert.throws(() => tn.vis.plotModel(model, file, { show_shapes: true }), /unknown option 'show_shapes'/);
    assert.throws(() => tn.vis.plotModel(model, file, { showShapes: 1 }), /Expected a boolean for showShapes but received 1 \(number\)/);
    assert.throws(() => tn.vis.plotModel(model, file, { rankdir: 'BT' }), /Expected 'TB' or 'LR' for rankdir but received 'BT'/);
    const unbuilt = tn.sequential({ name: 'unbuilt', layers: [tn.layers.dense({ units: 2 })] });
    assert.throws(() => tn.vis.plotModel(unbuilt, file), /Model unbuilt is not built yet/);
    assert.throws(() => tn.vis.plotModel(tn.sequential({ name: 'empty' }), file), /Model empty has no layers to plot/);
    assert.throws(() => tn.vis.plotModel({}, file), /Expected a model/);
  });
});

describe('The model drawing over a general graph (what functional models will use)', () => {
  const N = (id, cls, units) => ({ id, name: id, className: cls, inputShapes: [[null, units]], outputShapes: [[null, units]], trainable: cls === 'Dense' ? true : undefined });
  // A residual block with a long skip: edges that jump ranks and merges.
  const graph = {
    name: 'block',
    nodes: [N('input', 'InputLayer', 32), N('a', 'Dense', 64), N('b', 'Dense', 64), N('skip', 'Dense', 64), N('add', 'Add', 64),
      N('concat', 'Concatenate', 96), N('out', 'Dense', 10)],
    edges: [['input', 'a'], ['a', 'b'], ['input', 'skip'], ['b', 'add'], ['skip', 'add'], ['add', 'concat'], ['input', 'concat'], ['concat', 'out']]
      .map(([from, to]) => ({ from, to })),
  };

  /** Samples a path's curves and lines. */
  function samples(d) {
    const out = [];
    for (const sub of pathPoints(d)) {
      let [x, y] = sub[0].v;
      for (const seg of sub.slice(1)) {
        if (seg.cmd === 'L') {
          for (let t = 0; t <= 1; t += 0.05) out.push([x + (seg.v[0] - x) * t, y + (seg.v[1] - y) * t]);
          [x, y] = seg.v;
        } else {
          const [c1x, c1y, c2x, c2y, ex, ey] = seg.v;
          for (let t = 0; t <= 1; t += 0.02) {
            const u = 1 - t;
            out.push([u * u * u * x + 3 * u * u * t * c1x + 3 * u * t * t * c2x + t * t * t * ex, u * u * u * y + 3 * u * u * t * c1y + 3 * u * t * t * c2y + t * t * t * ey]);
          }
          [x, y] = [ex, ey];
        }
      }
    }
    return out;
  }

  for (const rankdir of ['TB', 'LR']) {
    it(`${rankdir}: every node and edge drawn; no arrow crosses a box, no boxes overlap, every edge goes forward`, () => {
      const doc = parseXml(graphSvg(graph, { showShapes: true, showTrainable: true, rankdir }));
      const boxes = new Map(byClass(doc, 'node').map((n) => {
        const a = all(n, (c) => c.name === 'rect').at(-1).attrs;
        return [n.attrs['data-name'], { x: +a.x, y: +a.y, w: +a.width, h: +a.height }];
      }));
      assert.deepStrictEqual([...boxes.keys()], graph.nodes.map((n) => n.id));
      const edges = byClass(doc, 'edge');
      assert.deepStrictEqual(edges.map((e) => `${e.attrs['data-from']}->${e.attrs['data-to']}`), graph.edges.map((e) => `${e.from}->${e.to}`));
      const list = [...boxes.entries()];
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const [p, a] = list[i];
          const [q, b] = list[j];
          const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
          assert.ok(apart, `${p} and ${q} overlap`);
        }
      }
      const W = +doc.attrs.width;
      const H = +doc.attrs.height;
      for (const e of edges) {
        const from = boxes.get(e.attrs['data-from']);
        const to = boxes.get(e.attrs['data-to']);
        if (rankdir === 'TB') assert.ok(to.y > from.y + from.h, 'edges point down');
        else assert.ok(to.x > from.x + from.w, 'edges point right');
        for (const [x, y] of samples(e.attrs.d)) {
          assert.ok(x >= 0 && x <= W && y >= 0 && y <= H, 'inside the picture');
          for (const [name, b] of boxes) {
            const inside = x > b.x + 0.5 && x < b.x + b.w - 0.5 && y > b.y + 0.5 && y < b.y + b.h - 0.5;
            assert.ok(!inside, `edge ${e.attrs['data-from']}->${e.attrs['data-to']} crosses box ${name} at (${x.toFixed(1)}, ${y.toFixed(1)})`);
          }
        }
      }
    });
  }

  it('a cycle, an edge to a missing node and two nodes with one id are errors', () => {
    const two = [N('a', 'Dense', 1), N('b', 'Dense', 1)];
    assert.throws(() => graphSvg({ name: 'g', nodes: two, edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }] }), /The graph of g has a cycle/);
    assert.throws(() => graphSvg({ name: 'g', nodes: two, edges: [{ from: 'a', to: 'c' }] }), /Edge a -> c names a node the graph does not have/);
    assert.throws(() => graphSvg({ name: 'g', nodes: [two[0], two[0]], edges: [] }), /two nodes with one id/);
  });
});
