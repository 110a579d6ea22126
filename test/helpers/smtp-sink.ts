// A real SMTP server on loopback (smtp-server) that keeps what it receives, parsed by mailparser
// as a mail client would read it. It can refuse: every message, or the recipients named.
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  envelopeTo: string[];
  raw: Buffer;
  /** As a mail client reads it; an empty stand-in when the sink does not parse (see startSmtpSink). */
  mail: ParsedMail;
}

export interface SmtpSink {
  url: string;
  received: Received[];
  /** Counts every DATA attempt, refused ones too. */
  attempts: number;
  refuseAll: boolean;
  refuse: Set<string>;
  /** Resolves once `count` messages have arrived in all. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * `parse: false` keeps the raw messages only: a benchmark that times websocket arrivals in this
 * process must not spend its CPU parsing megabyte mails meanwhile.
 */
export async function startSmtpSink({ parse = true }: { parse?: boolean } = {}): Promise<SmtpSink> {
  const sink: SmtpSink = {
    url: '',
    received: [],
    attempts: 0,
    refuseAll: false,
    refuse: new Set(),
    waitFor: async (count, timeoutMs = 20_000) => {
      const until = Date.now() + timeoutMs;
      while (sink.received.length < count) {
        if (Date.now() > until)
          throw new Error(`${sink.received.length} of ${count} mails arrived in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return sink.received;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (sink.refuse.has(address.address.toLowerCase())) {
        const error = Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 });
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        sink.attempts += 1;
        if (sink.refuseAll) {
          callback(Object.assign(new Error('Service unavailable, try later'), { responseCode: 451 }));
          return;
        }
        const raw = Buffer.concat(chunks);
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
        if (!parse) {
          sink.received.push({ envelopeTo, raw, mail: {} as ParsedMail });
          callback(null, 'Queued as test');
          return;
        }
        void simpleParser(raw, { skipImageLinks: true }).then((mail) => {
          sink.received.push({ envelopeTo, raw, mail });
          callback(null, 'Queued as test');
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  sink.url = `smtp://127.0.0.1:${port}`;
  return sink;
}
