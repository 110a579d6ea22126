// The benchmarks' mail server in a process of its own, as a real one would be: receiving twenty
// megabyte messages in the process that timestamps the websocket arrivals would delay its clock.
// Prints its URL as the first line, then one line per message received; the latest message is
// kept in the file named by the first argument.
import fs from 'node:fs';
import { startSmtpSink } from '../helpers/smtp-sink.js';

const lastFile = process.argv[2]!;
const sink = await startSmtpSink({ parse: false });
process.stdout.write(`${sink.url}\n`);
let seen = 0;
setInterval(() => {
  while (seen < sink.received.length) {
    const mail = sink.received[seen++]!;
    fs.writeFileSync(lastFile, mail.raw);
    sink.received[seen - 1] = { ...mail, raw: Buffer.alloc(0) };
    process.stdout.write(`${seen} ${mail.raw.length}\n`);
  }
}, 50);
process.on('SIGTERM', () => void sink.close().then(() => process.exit(0)));
