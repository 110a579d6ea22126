// The demo market's producer: it talks to a hub only through the public HTTP API, like any real
// producer, so the demo exercises (and the simulator load-tests) the path real data takes.
import { randomUUID } from 'node:crypto';
import type { ErrorBody } from '../../shared/schemas/errors.js';
import type { IngestResult } from '../../shared/schemas/ingest.js';
import type { Workspace } from '../../shared/schemas/workspaces.js';
import { DAY, HOUR } from '../../shared/time.js';
import { encodeArrow, type EventColumns, STRING_COLUMNS } from './arrow.js';
import { DEMO_SEED, DEMO_WORKSPACE, GAUGE_EVERY_MS, hash, Market, type MarketEvent } from './market.js';

/** pino-style: the hub passes its own logger, the CLI a console one. */
export interface FeedLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export type FeedPhase = 'idle' | 'connecting' | 'backfilling' | 'live' | 'stopped' | 'failed';

export interface FeedStatus {
  phase: FeedPhase;
  workspace: string;
  /** rows the hub accepted / rejected, summed over its answers */
  accepted: number;
  rejected: number;
  /** requests answered 200 */
  batches: number;
  /** requests given up (a non-retryable answer) */
  failedBatches: number;
  /** attempts repeated after a 429, a 503 or a network error */
  retries: number;
  /** rows answered (accepted or rejected) since the live stream started, and when it started */
  liveRows: number;
  liveSince: number | undefined;
  /** backfill progress, in days */
  backfilledDays: number;
  backfillDays: number;
  /** whether this run created the workspace */
  created: boolean;
}

/** A failure a person can act on: what happened, and how to fix it. */
export class FeedError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export interface FeederOptions {
  /** the hub's base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  workspace: string;
  logger: FeedLogger;
  seed?: number;
  /**
   * Feeding its own hub, a 503 can only mean that the hub is closing: stop rather than retry.
   * An external feeder retries, so that it rides through a hub restart.
   */
  stopOnUnavailable?: boolean;
  /** Attempts after network errors before a request is given up (default 5, about 8 s). */
  networkRetries?: number;
  /**
   * Sent as `Authorization: Bearer`: a key with the ingest and read scopes, or an admin's session
   * token when the workspace is to be created.
   */
  token?: string;
}

export interface RunOptions {
  /** PUT the workspace even when it exists (the market's name, time zone and brands). */
  create: boolean;
  /** days of hourly history to backfill before streaming (0: none) */
  days: number;
  /** live events per second (0: no live stream) */
  rate: number;
  /** stop streaming after this long; unset: until stop() */
  durationMs?: number;
  /** a brand whose bad buzz starts as the live stream does */
  buzz?: string;
  /** Runs once the `days` of history are in, before the live stream (its failure is the caller's to report). */
  afterBackfill?: (days: number) => Promise<void>;
}

const REQUEST_TIMEOUT_MS = 120_000;
const MAX_RETRY_AFTER_MS = 30_000;
const STOP_GRACE_MS = 10_000;

export class Feeder {
  private market: Market | undefined;
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly wakers = new Set<() => void>();
  private running: Promise<void> | undefined;
  private liveFrom: number | undefined;
  private readonly base: string;
  private readonly state: FeedStatus;
  private readonly warnedAt = new Map<string, number>();

  constructor(private readonly options: FeederOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.state = {
      phase: 'idle',
      workspace: options.workspace,
      accepted: 0,
      rejected: 0,
      batches: 0,
      failedBatches: 0,
      retries: 0,
      liveRows: 0,
      liveSince: undefined,
      backfilledDays: 0,
      backfillDays: 0,
      created: false,
    };
  }

  status(): FeedStatus {
    return { ...this.state };
  }

  /** Connects (creating the workspace if needed), backfills, then streams until stopped. */
  run(run: RunOptions): Promise<void> {
    this.running ??= this.execute(run).then(
      () => {
        this.state.phase = 'stopped';
      },
      (error: unknown) => {
        this.state.phase = this.stopping ? 'stopped' : 'failed';
        if (!this.stopping) throw error;
      },
    );
    return this.running;
  }

  /** Ends the run: no request starts after this is called; resolves once the run is over. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    if (!this.running) {
      this.state.phase = 'stopped';
      return;
    }
    // An answer in flight is awaited (it may be committing), but not forever.
    const timer = setTimeout(() => this.abort.abort(new Error('the feeder was stopped')), STOP_GRACE_MS);
    try {
      await this.running.catch(() => undefined);
    } finally {
      clearTimeout(timer);
    }
  }

  private async execute(run: RunOptions): Promise<void> {
    await this.connect(run.create);
    if (run.buzz !== undefined) this.startBuzz(run.buzz);
    if (run.days > 0 && !this.stopping) {
      await this.backfill(run.days);
      if (run.afterBackfill && !this.stopping) await run.afterBackfill(run.days);
    }
    if (run.rate > 0 && !this.stopping) await this.stream(run.rate, run.durationMs);
  }

  private startBuzz(brand: string): void {
    try {
      const episode = this.market!.triggerBuzz(brand, Date.now());
      this.options.logger.info(
        { brand, until: new Date(episode.endMs).toISOString() },
        'demo market: a bad buzz starts now',
      );
    } catch (error) {
      throw new FeedError((error as Error).message, 'Give --buzz one of the workspace’s brand ids.');
    }
  }

  /** Reads the workspace, or creates it; the market then follows its brands and time zone. */
  private async connect(create: boolean): Promise<void> {
    this.state.phase = 'connecting';
    const path = `/api/v1/workspaces/${encodeURIComponent(this.options.workspace)}`;
    const response = await this.request('GET', path);
    let workspace: Workspace | undefined;
    if (response.status === 200) {
      workspace = (await response.json()) as Workspace;
    } else if (response.status === 404 && (await errorOf(response))?.code === 'unknown_workspace') {
      workspace = undefined;
    } else if (response.status === 401 || response.status === 403) {
      const error = await errorOf(response);
      throw new FeedError(
        `The hub refused the credentials: GET ${path} answered ${response.status} (${error?.message ?? 'no error body'}).`,
        `Give a key of workspace "${this.options.workspace}" with the ingest and read scopes (--key, or CONVERGENCE_KEY): an admin creates one with POST /api/v1/workspaces/${this.options.workspace}/keys.`,
      );
    } else {
      throw new FeedError(
        `${this.base} does not look like a Convergence hub: GET ${path} answered ${response.status}.`,
        'Point --url at the hub itself (scheme, host and port only), e.g. http://127.0.0.1:8080.',
      );
    }
    if (!workspace || create) {
      workspace = await this.createWorkspace(path);
      this.state.created = true;
    }
    this.market = new Market({
      seed: this.options.seed ?? DEMO_SEED,
      brands: workspace.brands,
      timezone: workspace.timezone,
    });
    this.options.logger.info(
      {
        workspace: workspace.id,
        brands: workspace.brands.map((b) => b.id),
        created: this.state.created,
        hub: this.base,
      },
      this.state.created ? 'demo market: workspace created' : 'demo market: feeding the existing workspace',
    );
  }

  private async createWorkspace(path: string): Promise<Workspace> {
    const id = this.options.workspace;
    const body = {
      name: id === DEMO_WORKSPACE.id ? DEMO_WORKSPACE.name : `Simulated market — cosmetics (${id})`,
      timezone: DEMO_WORKSPACE.timezone,
      brands: DEMO_WORKSPACE.brands,
    };
    const response = await this.request('PUT', path, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    if (response.status !== 200 && response.status !== 201) {
      const error = await errorOf(response);
      throw new FeedError(
        `PUT ${path} answered ${response.status}: ${error?.message ?? 'no error body'}`,
        error?.hint ?? 'Check the workspace id: [a-z0-9][a-z0-9_-]{0,63}.',
      );
    }
    return (await response.json()) as Workspace;
  }

  /** Hourly history for the last `days` days, a day per request, each with its own key. */
  private async backfill(days: number): Promise<void> {
    const market = this.market!;
    this.state.phase = 'backfilling';
    this.state.backfillDays = days;
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    // Starting on a gauge slot gives every level series a value from the first hour on.
    const start = Math.floor((end - days * DAY) / GAUGE_EVERY_MS) * GAUGE_EVERY_MS;
    const started = Date.now();
    const dictionaries = market.dictionaries();
    const keyBase = this.keyBase();
    for (let from = start; from < end && !this.stopping; from += DAY) {
      const to = Math.min(from + DAY, end);
      const events = market.history(from, to);
      // The key names the exact span: a retry, or a rerun over the same hours, replays instead of adding.
      await this.send(encodeEvents(events, dictionaries), `${keyBase}:h:${from}-${to}`);
      this.state.backfilledDays = Math.min(days, (to - start) / DAY);
    }
    this.liveFrom = end;
    if (!this.stopping) {
      this.options.logger.info(
        { workspace: this.options.workspace, days, seconds: Math.round((Date.now() - started) / 100) / 10 },
        'demo market: history backfilled',
      );
    }
  }

  /** One batch a second, sized so that the achieved rate averages `rate` events per second. */
  private async stream(rate: number, durationMs?: number): Promise<void> {
    const market = this.market!;
    this.state.phase = 'live';
    const started = Date.now();
    this.state.liveSince = started;
    const endAt = durationMs === undefined ? Infinity : started + durationMs;
    // A backfill hands over at its last full hour; the first visits catch up from there.
    const cursor = market.live(this.liveFrom ?? started);
    const dictionaries = market.dictionaries();
    const keyBase = `${this.keyBase()}:l:${randomUUID().slice(0, 8)}`;
    let previous = started - 1000;
    let sequence = 0;
    for (let tick = started; !this.stopping && tick < endAt;) {
      await this.sleep(tick - Date.now());
      if (this.stopping) break;
      const now = Date.now();
      // After a slow answer the next batch is larger, so the rate holds (up to 5 s worth).
      const budget = (rate * Math.min(5_000, now - previous)) / 1000;
      previous = now;
      const events = cursor.take(now, budget);
      if (events.length > 0) {
        const result = await this.send(encodeEvents(events, dictionaries), `${keyBase}:${sequence++}`);
        if (result) this.state.liveRows += result.accepted + result.rejected;
      }
      tick = Math.max(tick + 1000, Date.now());
    }
    // A timed run lasts its full duration, so that its achieved rate reads right.
    if (endAt !== Infinity) await this.sleep(endAt - Date.now());
  }

  private keyBase(): string {
    const brands = this.market!.brands.map((b) => b.id).join(',');
    const id = hash(...[...brands].map((c) => c.charCodeAt(0))).toString(36);
    return `sim:${this.options.workspace}:${this.options.seed ?? DEMO_SEED}:${id}`;
  }

  /** POSTs one batch until it is answered: retries 429/503 after Retry-After and network errors. */
  private async send(body: Uint8Array, key: string): Promise<IngestResult | undefined> {
    const path = `/api/v1/workspaces/${encodeURIComponent(this.options.workspace)}/events`;
    const networkRetries = this.options.networkRetries ?? 5;
    for (let attempt = 0, networkFailures = 0; ; attempt++) {
      if (this.stopping && attempt > 0) return undefined;
      if (attempt > 0) this.state.retries++;
      let response: Response;
      try {
        response = await this.request('POST', path, {
          body,
          headers: { 'content-type': 'application/vnd.apache.arrow.stream', 'idempotency-key': key },
        });
      } catch (error) {
        if (this.stopping) return undefined;
        if (++networkFailures > networkRetries) throw error;
        this.warnThrottled(
          'network',
          { err: (error as Error).message },
          'demo market: hub unreachable, retrying',
        );
        await this.sleep(250 * 2 ** (networkFailures - 1));
        continue;
      }
      if (response.status === 200) {
        const result = (await response.json()) as IngestResult;
        this.state.batches++;
        this.state.accepted += result.accepted;
        this.state.rejected += result.rejected;
        if (result.rejected > 0) {
          this.warnThrottled(
            'rejected',
            { rejected: result.rejected, first: result.errors[0] },
            'demo market: the hub rejected rows',
          );
        }
        return result;
      }
      const error = await errorOf(response);
      if (response.status === 429 || response.status === 503) {
        if (response.status === 503 && this.options.stopOnUnavailable) {
          this.options.logger.info({ code: error?.code }, 'demo market: the hub is closing; feeder stopped');
          this.stopping = true;
          return undefined;
        }
        const wait = retryAfterMs(response.headers.get('retry-after'));
        this.warnThrottled(
          'busy',
          { status: response.status, code: error?.code, retryInMs: wait },
          'demo market: the hub is busy, retrying the same batch',
        );
        await this.sleep(wait);
        continue;
      }
      if (response.status === 404) {
        throw new FeedError(
          `Workspace "${this.options.workspace}" is gone (${error?.message ?? 'POST answered 404'}).`,
          'Rerun with --create to create it again.',
        );
      }
      // Anything else will not get better by resending the same bytes: drop this batch.
      this.state.failedBatches++;
      this.options.logger.error(
        { status: response.status, code: error?.code, message: error?.message, hint: error?.hint },
        'demo market: a batch was refused',
      );
      return undefined;
    }
  }

  private async request(
    method: string,
    path: string,
    init: { body?: string | Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const url = `${this.base}${path}`;
    try {
      const headers = {
        ...init.headers,
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      };
      return await fetch(url, {
        method,
        ...init,
        headers,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new FeedError(
        `Cannot reach the hub at ${this.base} (${method} ${path}: ${cause}).`,
        'Check that the hub is running (npm start) and that --url gives its scheme, host and port, e.g. http://127.0.0.1:8080.',
      );
    }
  }

  /** Waits, but wakes at once when the feeder is stopped. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /** A busy or flaky hub would otherwise fill the log with one line a second. */
  private warnThrottled(kind: string, details: object, message: string): void {
    const now = Date.now();
    if (now - (this.warnedAt.get(kind) ?? -Infinity) < 30_000) return;
    this.warnedAt.set(kind, now);
    this.options.logger.warn(details, message);
  }
}

async function errorOf(response: Response): Promise<ErrorBody['error'] | undefined> {
  try {
    return ((await response.json()) as ErrorBody).error;
  } catch {
    return undefined;
  }
}

function retryAfterMs(header: string | null): number {
  if (!header) return 1000;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(250, Number.isFinite(ms) ? ms : 1000));
}

/** The dictionaries a feed encodes its events' strings against. */
export interface Dictionaries {
  brands: string[];
  touchpoints: string[];
  sources: string[];
  metrics: string[];
}

/** Market events as one Arrow IPC stream (see arrow.ts). */
function encodeEvents(events: MarketEvent[], dictionaries: Dictionaries): Uint8Array {
  const n = events.length;
  const lists = {
    brand: dictionaries.brands,
    touchpoint: dictionaries.touchpoints,
    source: dictionaries.sources,
    metric: dictionaries.metrics,
  };
  const cols: EventColumns = {
    ...dictionaries,
    brand: new Int32Array(n),
    touchpoint: new Int32Array(n),
    source: new Int32Array(n),
    metric: new Int32Array(n),
    ts: new Float64Array(n),
    value: new Float64Array(n),
  };
  const indexes = STRING_COLUMNS.map((name) => new Map(lists[name].map((s, i) => [s, i])));
  events.forEach((event, i) => {
    cols.ts[i] = event.ts;
    cols.value[i] = event.value;
    STRING_COLUMNS.forEach((name, c) => {
      const code = indexes[c]!.get(event[name]);
      if (code === undefined) throw new Error(`"${event[name]}" is missing from the ${name} dictionary`);
      cols[name][i] = code;
    });
  });
  return encodeArrow(cols, 0, n);
}
