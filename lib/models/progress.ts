// Keras-style training output. On a TTY: a progress bar redrawn in place (loss, metrics,
// ETA), at most ~10 times a second. Otherwise (logs, CI): one line per epoch.
import { Logs } from '../callbacks';

function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s`;
}

function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k}: ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3)}`)
    .join(' - ');
}

export class ProgressReporter {
  private readonly tty: boolean;
  private readonly stream: NodeJS.WriteStream;
  private epochStart = 0;
  private lastDraw = 0;

  /** `steps` is null when the number of batches per epoch is not known (a dataset of unknown size). */
  constructor(private readonly verbose: number, private readonly epochs: number, private readonly steps: number | null,
    stream: NodeJS.WriteStream = process.stdout) {
    this.stream = stream;
    this.tty = verbose === 1 && Boolean(stream.isTTY);
  }

  epochBegin(epoch: number): void {
    this.epochStart = Date.now();
    this.lastDraw = 0;
    if (this.tty) this.stream.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
  }

  batchEnd(step: number, logs: Logs): void {
    if (!this.tty) return;
    const now = Date.now();
    if (this.steps === null) {
      // As Keras for a dataset of unknown size: a counter without a bar.
      if (now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const elapsed = (now - this.epochStart) / 1000;
      this.stream.write(`\r${step + 1}/Unknown - ${formatDuration(elapsed)} - ${formatLogs(logs)}\x1b[K`);
      return;
    }
    if (now - this.lastDraw < 100 && step + 1 < this.steps) return;
    this.lastDraw = now;
    const width = 30;
    const done = step + 1;
    const filled = Math.floor((done / this.steps) * width);
    const bar = '='.repeat(Math.max(0, filled - 1)) + (done < this.steps ? '>' : '=') + '.'.repeat(width - filled);
    const elapsed = (now - this.epochStart) / 1000;
    const eta = (elapsed / done) * (this.steps - done);
    const counter = `${String(done).padStart(String(this.steps).length)}/${this.steps}`;
    this.stream.write(`\r${counter} [${bar}] - ETA: ${formatDuration(eta)} - ${formatLogs(logs)}\x1b[K`);
  }

  /** `stepsDone`: the batches this epoch ran (default: the known number of steps). */
  epochEnd(epoch: number, logs: Logs, stepsDone?: number): void {
    if (this.verbose === 0) return;
    const steps = stepsDone ?? this.steps ?? 1;
    const seconds = (Date.now() - this.epochStart) / 1000;
    const perStep = (seconds * 1000) / Math.max(1, steps);
    const timing = `${formatDuration(seconds)} ${perStep < 1 ? `${(perStep * 1000).toFixed(0)}us` : `${perStep.toFixed(0)}ms`}/step`;
    if (this.tty) {
      const counter = `${steps}/${this.steps ?? steps}`;
      this.stream.write(`\r${counter} [${'='.repeat(30)}] - ${timing} - ${formatLogs(logs)}\x1b[K\n`);
    } else {
      this.stream.write(`Epoch ${epoch + 1}/${this.epochs} - ${timing} - ${formatLogs(logs)}\n`);
    }
  }
}
