// npm run simulate -- --url http://127.0.0.1:8080 --workspace demo --rate 1000
// Feeds any running hub with the demo market through its public API (also the benchmarks' load).
import { parseArgs } from 'node:util';
import { ID_PATTERN } from '../../shared/vocabulary.js';
import { FeedError, Feeder, type FeedLogger, type FeedStatus } from './feeder.js';

const USAGE = `Usage: npm run simulate -- --url URL [options]

Streams the demo market (a fictional cosmetics market) into a running Convergence hub
through its ingest API, like any producer.

  --url URL          the hub, e.g. http://127.0.0.1:8080 (required)
  --workspace ID     workspace to feed (default: demo); created when missing
  --rate N           live events per second (default: 100; 0: no live stream)
  --days N           days of hourly history to backfill first (default: 0)
  --duration S       stop after S seconds (default: until Ctrl-C)
  --create           (re)create the workspace with the market's brands even if it exists
  --buzz BRAND       start a major bad buzz of that brand now (12 hours)
  --key KEY          a key of the workspace with the ingest and read scopes (default:
                     $CONVERGENCE_KEY); to create the workspace, an admin's session token
  --seed N           market seed (default: the demo's)
  --help             this text
`;

const STATUS_EVERY_MS = 5_000;

class UsageError extends Error {}

interface Args {
  url: string;
  workspace: string;
  rate: number;
  days: number;
  durationMs: number | undefined;
  create: boolean;
  seed: number | undefined;
  key: string | undefined;
  buzz: string | undefined;
}

function parse(argv: string[]): Args | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        workspace: { type: 'string', default: 'demo' },
        rate: { type: 'string', default: '100' },
        days: { type: 'string', default: '0' },
        duration: { type: 'string' },
        create: { type: 'boolean', default: false },
        seed: { type: 'string' },
        key: { type: 'string' },
        buzz: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if (!values.url) throw new UsageError('--url is required (the hub, e.g. http://127.0.0.1:8080).');
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageError(`--url "${values.url}" is not a URL; give the hub's, e.g. http://127.0.0.1:8080.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url "${values.url}" must start with http:// or https://.`);
  }
  if (!new RegExp(ID_PATTERN).test(values.workspace)) {
    throw new UsageError(
      `--workspace "${values.workspace}" is not a workspace id: [a-z0-9][a-z0-9_-]{0,63}.`,
    );
  }
  const number = (name: string, raw: string, max: number, integer: boolean) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > max || (integer && !Number.isInteger(n))) {
      throw new UsageError(
        `--${name} must be ${integer ? 'an integer' : 'a number'} from 0 to ${max}, got "${raw}".`,
      );
    }
    return n;
  };
  const duration =
    values.duration === undefined ? undefined : number('duration', values.duration, 1e7, false);
  if (duration === 0)
    throw new UsageError('--duration must be more than 0 seconds (leave it out to run until Ctrl-C).');
  return {
    url: url.origin + url.pathname.replace(/\/+$/, ''),
    workspace: values.workspace,
    rate: number('rate', values.rate, 10_000_000, false),
    days: number('days', values.days, 3650, true),
    durationMs: duration === undefined ? undefined : duration * 1000,
    create: values.create,
    seed: values.seed === undefined ? undefined : number('seed', values.seed, 2 ** 32 - 1, true),
    key: values.key ?? (process.env.CONVERGENCE_KEY || undefined),
    buzz: values.buzz,
  };
}

const clock = () => new Date().toISOString().slice(11, 19);

/** Messages as lines: progress on stdout, trouble on stderr. */
const logger: FeedLogger = {
  info: (details, message) => process.stdout.write(`${clock()} ${message} ${JSON.stringify(details)}\n`),
  warn: (details, message) =>
    process.stderr.write(`${clock()} warning: ${message} ${JSON.stringify(details)}\n`),
  error: (details, message) =>
    process.stderr.write(`${clock()} error: ${message} ${JSON.stringify(details)}\n`),
};

function statusLine(status: FeedStatus, previous: FeedStatus, seconds: number, target: number): string {
  const rows = status.liveRows - previous.liveRows;
  const phase =
    status.phase === 'backfilling'
      ? `backfilling ${status.backfilledDays.toFixed(0)}/${status.backfillDays} days`
      : status.phase;
  const rate =
    status.phase === 'live' && seconds > 0 ? ` · ${(rows / seconds).toFixed(1)} ev/s (target ${target})` : '';
  const trouble =
    status.retries + status.failedBatches > 0
      ? ` · retries ${status.retries} · failed batches ${status.failedBatches}`
      : '';
  return `${clock()} ${phase} · accepted ${status.accepted} · rejected ${status.rejected}${rate}${trouble}\n`;
}

async function main(): Promise<number> {
  let args: Args | 'help';
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`simulate: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const feeder = new Feeder({
    url: args.url,
    workspace: args.workspace,
    logger,
    seed: args.seed,
    token: args.key,
  });
  const started = Date.now();
  let previous = feeder.status();
  let previousAt = started;
  const timer = setInterval(() => {
    const status = feeder.status();
    const now = Date.now();
    // The first live window starts when the stream did, not when the backfill did.
    const seconds = (now - Math.max(previousAt, status.liveSince ?? now)) / 1000;
    process.stdout.write(statusLine(status, previous, seconds, args.rate));
    previous = status;
    previousAt = now;
  }, STATUS_EVERY_MS);
  let interrupted = false;
  const onSignal = () => {
    // A second Ctrl-C means now.
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write(
      `${clock()} stopping (the batch in flight finishes; Ctrl-C again to quit at once)\n`,
    );
    void feeder.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await feeder.run({
      create: args.create,
      days: args.days,
      rate: args.rate,
      durationMs: args.durationMs,
      buzz: args.buzz,
    });
  } catch (error) {
    if (!(error instanceof FeedError)) throw error;
    process.stderr.write(`simulate: ${error.message}\n  ${error.hint}\n`);
    return 1;
  } finally {
    clearInterval(timer);
  }
  const status = feeder.status();
  const now = Date.now();
  const liveSeconds = status.liveSince === undefined ? 0 : (now - status.liveSince) / 1000;
  const live = liveSeconds > 0 ? ` · live ${(status.liveRows / liveSeconds).toFixed(1)} ev/s` : '';
  process.stdout.write(
    `${clock()} done in ${((now - started) / 1000).toFixed(1)} s · accepted ${status.accepted}` +
      ` · rejected ${status.rejected}${live} · failed batches ${status.failedBatches}\n`,
  );
  return status.failedBatches > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`simulate: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
