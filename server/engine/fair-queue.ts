/**
 * A bounded number of jobs at a time, served round-robin across lanes (one lane per client): a
 * lane with a thousand queued jobs delays another lane's single one by about one job, not a
 * thousand. A job may be wanted by several lanes (one shared computation): it runs at the turn of
 * whichever of them comes first. A queued job that nobody wants any more is dropped, never run.
 */

/** What a job's `done` rejects with when every waiter left before it started. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled: nobody waits for it any more');
    this.name = 'Cancelled';
  }
}

export type JobState = 'queued' | 'running' | 'settled' | 'cancelled';

export interface Job<T> {
  /** The work's result; rejects with its error, or with `Cancelled`. */
  readonly done: Promise<T>;
  readonly state: JobState;
  /** One more waiter, of `lane`: a queued job then also runs at that lane's turn. */
  join(lane: string): void;
  /** A waiter of `lane` left; once no lane waits, a queued job is cancelled (a started one runs on). */
  leave(lane: string): void;
}

class Entry implements Job<unknown> {
  state: JobState = 'queued';
  /** Waiters per lane (only counted while queued). */
  readonly waiters = new Map<string, number>();
  readonly done: Promise<unknown>;
  resolve!: (value: unknown) => void;
  reject!: (err: unknown) => void;

  constructor(
    private readonly queue: FairQueue,
    readonly work: () => Promise<unknown>,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Whoever waits sees the outcome; a job nobody awaits any more must not be an unhandled rejection.
    this.done.catch(() => undefined);
  }

  join(lane: string): void {
    this.queue.join(this, lane);
  }

  leave(lane: string): void {
    this.queue.leave(this, lane);
  }
}

export class FairQueue {
  /** Queued jobs per lane, in arrival order; the map's order is the round-robin's. */
  private readonly lanes = new Map<string, Set<Entry>>();
  private queuedJobs = 0;
  private runningJobs = 0;

  constructor(readonly concurrency: number) {
    if (!(concurrency >= 1)) throw new RangeError(`concurrency must be at least 1, not ${concurrency}`);
  }

  /** Jobs waiting for their turn. */
  get queued(): number {
    return this.queuedJobs;
  }

  get running(): number {
    return this.runningJobs;
  }

  /** Jobs of `lane` waiting for their turn (a shared job counts in each lane that waits for it). */
  queuedIn(lane: string): number {
    return this.lanes.get(lane)?.size ?? 0;
  }

  /** Queues `work` for `lane` (one waiter); it starts at once if a place is free. */
  add<T>(lane: string, work: () => Promise<T>): Job<T> {
    const job = new Entry(this, work);
    this.queuedJobs++;
    this.join(job, lane);
    this.pump();
    // Its `done` settles with what `work` gives.
    return job as unknown as Job<T>;
  }

  /** @internal (Job.join) */
  join(job: Entry, lane: string): void {
    if (job.state !== 'queued') return;
    const n = job.waiters.get(lane) ?? 0;
    job.waiters.set(lane, n + 1);
    if (n > 0) return;
    let jobs = this.lanes.get(lane);
    if (!jobs) this.lanes.set(lane, (jobs = new Set()));
    jobs.add(job);
  }

  /** @internal (Job.leave) */
  leave(job: Entry, lane: string): void {
    if (job.state !== 'queued') return;
    const n = job.waiters.get(lane);
    if (n === undefined) return;
    if (n > 1) {
      job.waiters.set(lane, n - 1);
      return;
    }
    job.waiters.delete(lane);
    this.removeFrom(lane, job);
    if (job.waiters.size > 0) return;
    job.state = 'cancelled';
    this.queuedJobs--;
    job.reject(new Cancelled());
  }

  private removeFrom(lane: string, job: Entry): void {
    const jobs = this.lanes.get(lane);
    if (!jobs) return;
    jobs.delete(job);
    if (jobs.size === 0) this.lanes.delete(lane);
  }

  /** Starts jobs while places are free: the first lane's oldest job, then that lane goes last. */
  private pump(): void {
    while (this.runningJobs < this.concurrency) {
      const next = this.lanes.entries().next();
      if (next.done) return;
      const [lane, jobs] = next.value;
      const job = jobs.values().next().value!;
      for (const other of job.waiters.keys()) this.removeFrom(other, job);
      job.waiters.clear();
      const rest = this.lanes.get(lane);
      if (rest) {
        this.lanes.delete(lane);
        this.lanes.set(lane, rest);
      }
      this.start(job);
    }
  }

  private start(job: Entry): void {
    job.state = 'running';
    this.queuedJobs--;
    this.runningJobs++;
    let running: Promise<unknown>;
    try {
      running = job.work();
    } catch (err) {
      running = Promise.reject(err);
    }
    const settle = (outcome: () => void) => {
      job.state = 'settled';
      this.runningJobs--;
      outcome();
      this.pump();
    };
    running.then(
      (value) => settle(() => job.resolve(value)),
      (err: unknown) => settle(() => job.reject(err)),
    );
  }
}
