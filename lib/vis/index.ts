// tn.vis: pictures of training without TensorBoard or Graphviz — training curves
// (plotHistory, also history.plot) and the layer graph of a model (plotModel), as SVG files.
export { plotHistory } from './history';
export type { PlotHistoryOptions, HistoryLike } from './history';
export { plotModel } from './model';
export type { PlotModelOptions, ModelGraph, GraphNode } from './model';
