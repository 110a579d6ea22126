// One recipient's send, on the report worker: draw the parts (once per scope within a run), build
// the message, check it for hidden brands, hand it to SMTP with retries. All of it off the hub's
// event loop: encoding and streaming a megabyte of MIME there held back the wall's ticks by tens
// of milliseconds per report (see docs/benchmarks.md, E-mail reports).
import { buildMessage } from './message.js';
import { leakIn } from './leak.js';
import type { Mailer, MailOutcome } from './mailer.js';
import { renderParts, type RenderedParts, type RenderInput } from './render.js';

export interface SendInput extends RenderInput {
  /** Brands the recipient may not see (scope.ts's hiddenNames). */
  hidden: string[];
  /** Recipients with the same key share one drawing of the charts and PDF (a run and a scope). */
  drawKey: string;
}

export type SendOutcome = MailOutcome | { ok: false; attempts: 0; leak: string };

export interface Sent {
  outcome: SendOutcome;
  /** Drawing and building the message, without the SMTP exchange. */
  renderMs: number;
}

/** The drawings of the run under way, by scope: a new run's first send clears the others. */
export class Drawings {
  private run = '';
  private readonly parts = new Map<string, RenderedParts>();

  async get(input: SendInput): Promise<RenderedParts> {
    const run = input.ctx.runKey;
    if (run !== this.run) {
      this.run = run;
      this.parts.clear();
    }
    let parts = this.parts.get(input.drawKey);
    if (!parts) this.parts.set(input.drawKey, (parts = await renderParts(input)));
    return parts;
  }
}

export async function sendOne(input: SendInput, drawings: Drawings, mailer: Mailer): Promise<Sent> {
  const t0 = performance.now();
  const parts = await drawings.get(input);
  const { mail } = buildMessage(input.doc, input.recipient, input.ctx, parts.charts, parts.pdf);
  const leak = leakIn(mail, input.hidden);
  const renderMs = performance.now() - t0;
  if (leak !== undefined) return { outcome: { ok: false, attempts: 0, leak }, renderMs };
  return { outcome: await mailer.send(mail), renderMs };
}
