import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { workerBeside } from '../worker-thread.js';
import type { Forecast, ForecastOptions } from './model.js';
import { NICE_WORKERS } from '../thread-priority.js';

interface Task {
  id: number;
  series: number[];
  options: ForecastOptions;
  resolve: (forecast: Forecast) => void;
  reject: (error: Error) => void;
}

const startWorker = () => workerBeside(import.meta.url, 'worker');

/**
 * Niced fits take only the CPU nothing else wants: they may use every core. Elsewhere one core is
 * left to the event loop and DuckDB.
 */
export const defaultPoolSize = () => Math.max(1, os.availableParallelism() - (NICE_WORKERS ? 0 : 1));

/** Forecasts computed on worker threads, so that fits never stall the event loop. */
export class ForecastPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(private readonly size = defaultPoolSize()) {}

  forecast(series: number[], options: ForecastOptions): Promise<Forecast> {
    if (this.closed) return Promise.reject(new Error('the forecast pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, series, options, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.busy.size < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.postMessage({ id: task.id, series: task.series, options: task.options });
    }
  }

  private spawn(): Worker {
    const worker = startWorker();
    worker.on('message', (message: { id: number; result?: Forecast; error?: string }) => {
      const task = this.busy.get(worker);
      this.busy.delete(worker);
      if (task) {
        if (message.error !== undefined) task.reject(new Error(message.error));
        else task.resolve(message.result!);
      }
      this.idle.push(worker);
      this.dispatch();
    });
    // A worker that dies (a WASM abort) fails its task only; the next task gets a new worker.
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => {
      if (code !== 0) this.lost(worker, new Error(`forecast worker exited with code ${code}`));
    });
    return worker;
  }

  private lost(worker: Worker, error: Error): void {
    const task = this.busy.get(worker);
    this.busy.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at !== -1) this.idle.splice(at, 1);
    task?.reject(error);
    if (!this.closed) this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('the forecast pool is closed'));
    await Promise.all([...this.idle, ...this.busy.keys()].map((w) => w.terminate()));
  }
}
