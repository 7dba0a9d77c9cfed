// model.summary(): the Keras / TensorFlow.js table of layers, output shapes and parameter counts.
import { Layer } from '../layers/layer';

export function formatShape(shape: (number | null)[] | undefined): string {
  return shape === undefined ? 'multiple' : `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

/** A row formatter for the table: field i ends at column positions[i] (a fraction of the width, or a column). */
export function summaryRow(lineLength: number, positions: number[]): (fields: string[]) => string {
  const cols = positions.map((p) => Math.floor(p <= 1 ? p * lineLength : p));
  return (fields) => {
    let line = '';
    fields.forEach((f, i) => {
      line = (line + f).slice(0, cols[i] - 1);
      line = line.padEnd(cols[i]);
    });
    return line.trimEnd();
  };
}

export function summaryLines(modelName: string, layers: Layer[], lineLength = 65, positions = [0.45, 0.85, 1]): string[] {
  const row = summaryRow(lineLength, positions);
  const lines: string[] = [];
  lines.push(`Model: "${modelName}"`);
  lines.push('_'.repeat(lineLength));
  lines.push(row(['Layer (type)', 'Output shape', 'Param #']));
  lines.push('='.repeat(lineLength));
  layers.forEach((layer, i) => {
    const out = layer.builtOutputShape ? [null, ...layer.builtOutputShape] : undefined;
    lines.push(row([`${layer.name} (${layer.getClassName()})`, formatShape(out), String(layer.countParams())]));
    lines.push(i === layers.length - 1 ? '='.repeat(lineLength) : '_'.repeat(lineLength));
  });
  const total = layers.reduce((n, l) => n + l.countParams(), 0);
  const trainable = layers.reduce((n, l) => n + l.trainableVariables.reduce((m, v) => m + v.size, 0), 0);
  lines.push(`Total params: ${total.toLocaleString('en-US')}`);
  lines.push(`Trainable params: ${trainable.toLocaleString('en-US')}`);
  lines.push(`Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`);
  lines.push('_'.repeat(lineLength));
  return lines;
}
