import { parentPort } from 'node:worker_threads';
import { forecast, type ForecastOptions } from './model.js';
import { niceThread } from '../thread-priority.js';

// Background work: see thread-priority.ts.
niceThread();

// One fit at a time, off the main thread: augurs' fits are synchronous WASM.
parentPort!.on('message', (task: { id: number; series: number[]; options: ForecastOptions }) => {
  try {
    parentPort!.postMessage({ id: task.id, result: forecast(task.series, task.options) });
  } catch (error) {
    parentPort!.postMessage({ id: task.id, error: (error as Error).message ?? String(error) });
  }
});
