// The report worker thread: drawing six charts and a PDF is a few hundred milliseconds of CPU,
// and building and streaming a megabyte of MIME tens more, which on the event loop would hold back
// the live wall's ticks. One worker: reports run one at a time anyway, and the other core is
// DuckDB's and the event loop's. It holds its own SMTP transport for the reports' sends.
import type { Worker } from 'node:worker_threads';
import { workerBeside } from '../worker-thread.js';
import type { Sent, SendInput } from './outgoing.js';
import type { RenderedParts, RenderInput } from './render.js';

export interface MailSettings {
  smtpUrl: string;
  mailFrom: string;
  retryDelaysMs?: readonly number[] | undefined;
}

interface Answer {
  id: number;
  parts?: RenderedParts;
  sent?: Sent;
  error?: string;
}

interface Pending {
  resolve: (answer: Answer) => void;
  reject: (error: Error) => void;
}

/** Buffers cross the thread boundary as plain Uint8Arrays. */
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export class RenderPool {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly mail: MailSettings) {}

  /** A message's charts and PDF (the preview). */
  async render(input: RenderInput): Promise<RenderedParts> {
    const { parts } = await this.ask('render', input);
    if (!parts) throw new Error('the report renderer answered nothing');
    return {
      charts: parts.charts.map((c) => ({ ...c, png: asBuffer(c.png) })),
      pdf: parts.pdf ? asBuffer(parts.pdf) : undefined,
    };
  }

  /** Draws, builds, checks and sends one recipient's message; what SMTP answered. */
  async send(input: SendInput): Promise<Sent> {
    const { sent } = await this.ask('send', input);
    if (!sent) throw new Error('the report sender answered nothing');
    return sent;
  }

  private ask(op: 'render' | 'send', input: RenderInput | SendInput): Promise<Answer> {
    if (this.closed) return Promise.reject(new Error('the report renderer is closed'));
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, input });
    });
  }

  private spawn(): Worker {
    const worker = workerBeside(import.meta.url, 'render-worker', { workerData: this.mail });
    worker.on('message', (message: Answer) => {
      const task = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (!task) return;
      if (message.error !== undefined) task.reject(new Error(message.error));
      else task.resolve(message);
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
