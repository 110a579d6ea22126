// The render worker: one report part set at a time, answered by id (see render-pool.ts). Its
// thread yields the CPU to the event loop, DuckDB and the ingest, as forecast fits do.
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { NICE_FITS, WORKER_NICE } from '../forecast/priority.js';
import { renderParts, type RenderInput } from './render.js';

if (NICE_FITS) os.setPriority(WORKER_NICE);

parentPort!.on('message', (message: { id: number; input: RenderInput }) => {
  renderParts(message.input).then(
    (parts) => {
      const transfer = [...parts.charts.map((c) => c.png.buffer), ...(parts.pdf ? [parts.pdf.buffer] : [])];
      parentPort!.postMessage({ id: message.id, parts }, transfer as ArrayBuffer[]);
    },
    (err: unknown) =>
      parentPort!.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
