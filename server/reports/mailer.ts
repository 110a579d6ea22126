// Sending through SMTP (nodemailer, SMTP_URL), each message retried with backoff: a server that
// is down for a minute delays a report, it does not lose it. What the server finally answered is
// returned for the run history either way.
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';

export type OutgoingMail = Mail.Options & { to: string; messageId: string };

export type MailOutcome =
  | { ok: true; attempts: number; response: string; messageId: string }
  | { ok: false; attempts: number; response?: string; error: string };

/** Waits before the second, third … attempt. */
export const RETRY_DELAYS_MS = [2_000, 10_000, 30_000];

export class Mailer {
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo> | undefined;

  constructor(
    readonly url: string,
    readonly from: string,
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {
    this.transport = url
      ? nodemailer.createTransport(url, {
          from,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000,
        } as SMTPTransport.Options)
      : undefined;
  }

  get configured(): boolean {
    return this.transport !== undefined;
  }

  async send(mail: OutgoingMail): Promise<MailOutcome> {
    if (!this.transport) {
      return {
        ok: false,
        attempts: 0,
        error: 'No mail server is set: start the hub with SMTP_URL (e.g. smtp://mail.example.com:587).',
      };
    }
    let last: { error: string; response?: string } = { error: '' };
    for (let attempt = 1; attempt <= this.retryDelaysMs.length + 1; attempt++) {
      try {
        const info = await this.transport.sendMail({ from: this.from, ...mail });
        if (info.rejected.length > 0)
          throw Object.assign(new Error(info.response), { response: info.response });
        return { ok: true, attempts: attempt, response: info.response, messageId: info.messageId };
      } catch (err) {
        const e = err as Error & { response?: string };
        last = { error: e.message, ...(e.response ? { response: e.response } : {}) };
      }
      const delay = this.retryDelaysMs[attempt - 1];
      if (delay === undefined) return { ok: false, attempts: attempt, ...last };
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    return { ok: false, attempts: this.retryDelaysMs.length + 1, ...last };
  }

  close(): void {
    this.transport?.close();
  }
}
