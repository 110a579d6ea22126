// Report rendering on a worker thread: drawing six charts and a PDF is a few hundred milliseconds
// of CPU, which on the event loop would hold back the live wall's ticks. One worker: reports run
// one at a time anyway, and the other core is DuckDB's and the event loop's.
import type { Worker } from 'node:worker_threads';
import { workerBeside } from '../worker-thread.js';
import type { RenderedParts, RenderInput } from './render.js';

const startWorker = () => workerBeside(import.meta.url, 'render-worker');

interface Pending {
  resolve: (parts: RenderedParts) => void;
  reject: (error: Error) => void;
}

/** Buffers cross the thread boundary as plain Uint8Arrays. */
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export class RenderPool {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  render(input: RenderInput): Promise<RenderedParts> {
    if (this.closed) return Promise.reject(new Error('the report renderer is closed'));
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, input });
    });
  }

  private spawn(): Worker {
    const worker = startWorker();
    worker.on('message', (message: { id: number; parts?: RenderedParts; error?: string }) => {
      const task = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (!task) return;
      if (message.error !== undefined || !message.parts) {
        task.reject(new Error(message.error ?? 'the report renderer answered nothing'));
        return;
      }
      const { charts, pdf } = message.parts;
      task.resolve({
        charts: charts.map((c) => ({ ...c, png: asBuffer(c.png) })),
        pdf: pdf ? asBuffer(pdf) : undefined,
      });
    });
    // A worker that dies fails what it held; the next render starts a new one.
    const lost = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const task of this.pending.values()) task.reject(error);
      this.pending.clear();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => {
      if (code !== 0) lost(new Error(`the report renderer stopped (exit code ${code})`));
      else if (this.worker === worker) this.worker = undefined;
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
