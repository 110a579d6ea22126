// Timing, RSS sampling and HTTP helpers shared by the benchmark paths.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/**
 * Samples process RSS every 50 ms from a worker thread, so a main thread busy decoding a large
 * body does not skip samples. Keeps the maximum since the last `reset()` and since start.
 */
export class RssSampler {
  private readonly shared = new SharedArrayBuffer(16);
  private readonly cells = new BigInt64Array(this.shared);
  private readonly worker: Worker;

  constructor(intervalMs = 50) {
    this.cells[0] = BigInt(process.memoryUsage.rss());
    this.cells[1] = this.cells[0];
    this.worker = new Worker(
      `const { workerData } = require('node:worker_threads');
       const cells = new BigInt64Array(workerData.shared);
       setInterval(() => {
         const rss = BigInt(process.memoryUsage.rss());
         if (rss > Atomics.load(cells, 0)) Atomics.store(cells, 0, rss);
         if (rss > Atomics.load(cells, 1)) Atomics.store(cells, 1, rss);
       }, workerData.intervalMs);`,
      { eval: true, workerData: { shared: this.shared, intervalMs } },
    );
    this.worker.unref();
  }

  /** Starts a new window: its peak starts at the current RSS. */
  reset(): void {
    Atomics.store(this.cells, 0, BigInt(process.memoryUsage.rss()));
  }

  /** Peak RSS of the current window, in bytes. */
  get windowPeak(): number {
    return Math.max(Number(Atomics.load(this.cells, 0)), process.memoryUsage.rss());
  }

  /** Peak RSS since the sampler started, in bytes. */
  get overallPeak(): number {
    return Math.max(Number(Atomics.load(this.cells, 1)), process.memoryUsage.rss());
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

export const mb = (bytes: number) => bytes / (1024 * 1024);

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Seconds taken by `fn`. */
export async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

/** Runs every task with at most `concurrency` in flight (that many clients pulling from one queue). */
export async function pool<T>(
  items: T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
) {
  let next = 0;
  const client = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, client));
}

/**
 * POSTs one body and waits for the acknowledgement; anything but a 200 accepting every row
 * aborts the run (a benchmark of failing requests measures nothing).
 */
export async function post(url: string, body: Uint8Array, contentType: string, rows: number): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST ${url}: ${response.status} ${text.slice(0, 500)}`);
  const result = JSON.parse(text) as { accepted: number; rejected?: number };
  if (result.accepted !== rows || (result.rejected ?? 0) !== 0) {
    throw new Error(`POST ${url}: expected ${rows} accepted, got ${text.slice(0, 500)}`);
  }
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtRate = (n: number) => `${(n / 1e6).toFixed(3)} M`;
export const fmtSec = (s: number) => s.toFixed(2);

/**
 * Linux pressure stall information for the CPU: microseconds in which at least one runnable task
 * (of any process) waited for a core. Null where /proc/pressure is not available.
 */
export function cpuStallMicros(): number | null {
  try {
    const text = fs.readFileSync('/proc/pressure/cpu', 'utf8');
    const match = /^some .*total=(\d+)/m.exec(text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** The "some avg60" figure of /proc/pressure/cpu (percent), or null. */
export function cpuPressureAvg60(): number | null {
  try {
    const match = /^some .*avg60=([\d.]+)/m.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
