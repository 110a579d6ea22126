// The report worker: draws a preview's parts, or draws, builds and sends one recipient's message,
// answered by id (see render-pool.ts). Its thread runs on CPU time that the event loop, DuckDB and
// the ingest leave (SCHED_IDLE): a report can wait a few seconds, the wall cannot.
import { parentPort, workerData } from 'node:worker_threads';
import { idleThread } from '../thread-priority.js';
import { Mailer } from './mailer.js';
import { Drawings, sendOne, type SendInput } from './outgoing.js';
import { renderParts, type RenderedParts, type RenderInput } from './render.js';
import type { MailSettings } from './render-pool.js';

idleThread();

const settings = workerData as MailSettings;
const mailer = new Mailer(settings.smtpUrl, settings.mailFrom, settings.retryDelaysMs);
const drawings = new Drawings();

const transferOf = (parts: RenderedParts) =>
  [...parts.charts.map((c) => c.png.buffer), ...(parts.pdf ? [parts.pdf.buffer] : [])] as ArrayBuffer[];

type Request =
  { id: number; op: 'render'; input: RenderInput } | { id: number; op: 'send'; input: SendInput };

parentPort!.on('message', (message: Request) => {
  const fail = (err: unknown) =>
    parentPort!.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) });
  if (message.op === 'send') {
    sendOne(message.input, drawings, mailer).then(
      (sent) => parentPort!.postMessage({ id: message.id, sent }),
      fail,
    );
    return;
  }
  renderParts(message.input).then(
    (parts) => parentPort!.postMessage({ id: message.id, parts }, transferOf(parts)),
    fail,
  );
});
