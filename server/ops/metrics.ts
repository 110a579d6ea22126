import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one app instance (tests build several in one process). */
export class Metrics {
  readonly registry = new Registry();
  readonly rowsAccepted = new Counter({
    name: 'convergence_ingest_rows_accepted_total',
    help: 'Rows stored by ingest',
    registers: [this.registry],
  });
  readonly rowsRejected = new Counter({
    name: 'convergence_ingest_rows_rejected_total',
    help: 'Rows quarantined by ingest',
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'convergence_ingest_queue_rows',
    help: 'Rows waiting for the writer',
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'convergence_ingest_commit_seconds',
    help: 'Time of one group-commit transaction',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly liveTickSeconds = new Histogram({
    name: 'convergence_live_tick_seconds',
    help: 'Time of one rolling-engine tick (recomputations and pushes)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly liveBacklogBytes = new Gauge({
    name: 'convergence_live_backlog_bytes',
    help: 'Largest backlog of bytes unsent to one live client',
    registers: [this.registry],
  });
  readonly liveClients = new Gauge({
    name: 'convergence_live_clients',
    help: 'Open live websockets',
    registers: [this.registry],
  });
  readonly livePendingFirstComputations = new Gauge({
    name: 'convergence_live_pending_first_computations',
    help: 'First computations of new subscriptions waiting their turn in the fair queue',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'convergence_' });
  }

  /** Rows waiting for the writer, as it last reported them (the readiness answer shows them). */
  queueRows = 0;

  queued(rows: number): void {
    this.queueRows = rows;
    this.queueDepth.set(rows);
  }

  committed(accepted: number, rejected: number, seconds: number): void {
    this.rowsAccepted.inc(accepted);
    this.rowsRejected.inc(rejected);
    this.commitSeconds.observe(seconds);
  }
}
