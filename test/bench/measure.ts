// Timing, RSS sampling and HTTP helpers shared by the benchmark paths.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/** VmRSS and VmHWM (peak RSS) of a process from /proc/<pid>/status, in bytes; null once it is gone. */
export function procMemory(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system, every thread) a process has used so far, from /proc/<pid>/stat. */
export function procCpuSeconds(pid: number): number | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces) start at "state" (field 3).
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream Linux build). */
const CLOCK_TICKS = 100;

/**
 * Samples, every 50 ms from a worker thread, the VmRSS of one watched process (the server being
 * measured, in its own process) and the RSS of this process (the clients and their pre-encoded
 * bodies). A worker, so that a main thread busy with its clients does not skip samples.
 */
export class RssSampler {
  /** [0] the watched pid (0: none), [1] its peak VmRSS since `watch`, [2] this process's peak RSS. */
  private readonly shared = new SharedArrayBuffer(24);
  private readonly cells = new BigInt64Array(this.shared);
  private readonly worker: Worker;

  constructor(intervalMs = 50) {
    this.cells[2] = BigInt(process.memoryUsage.rss());
    this.worker = new Worker(
      `const fs = require('node:fs');
       const { workerData } = require('node:worker_threads');
       const cells = new BigInt64Array(workerData.shared);
       setInterval(() => {
         const pid = Number(Atomics.load(cells, 0));
         if (pid > 0) {
           try {
             const match = /^VmRSS:\\s+(\\d+) kB/m.exec(fs.readFileSync('/proc/' + pid + '/status', 'utf8'));
             const rss = BigInt(match ? Number(match[1]) * 1024 : 0);
             if (Number(Atomics.load(cells, 0)) === pid && rss > Atomics.load(cells, 1)) Atomics.store(cells, 1, rss);
           } catch {
             // the process is gone
           }
         }
         const own = BigInt(process.memoryUsage.rss());
         if (own > Atomics.load(cells, 2)) Atomics.store(cells, 2, own);
       }, workerData.intervalMs);`,
      { eval: true, workerData: { shared: this.shared, intervalMs } },
    );
    this.worker.unref();
  }

  /** Starts a new window on process `pid`: its peak starts at the current VmRSS, which is returned. */
  watch(pid: number): number {
    const rss = procMemory(pid)?.rss ?? 0;
    Atomics.store(this.cells, 0, BigInt(pid));
    Atomics.store(this.cells, 1, BigInt(rss));
    return rss;
  }

  /** Peak VmRSS of the watched process in the current window, in bytes. */
  get windowPeak(): number {
    const pid = Number(Atomics.load(this.cells, 0));
    return Math.max(Number(Atomics.load(this.cells, 1)), pid > 0 ? (procMemory(pid)?.rss ?? 0) : 0);
  }

  /** Peak RSS of this (the benchmark's client) process since the sampler started, in bytes. */
  get selfPeak(): number {
    return Math.max(Number(Atomics.load(this.cells, 2)), process.memoryUsage.rss());
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

/** An integer setting of a bench from the environment (`1_000_000` spelled with underscores is fine). */
export function intEnv(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

/** BENCH_QUICK=1: a smoke run, everything smaller. */
export const quickBench = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
