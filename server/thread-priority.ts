// Background threads (forecast fits, report drawing) yield the CPU to the event loop, DuckDB's
// threads and the ingest. On Linux a thread's nice value and scheduling class are its own, so each
// worker lowers its own priority only (on other systems it would lower the whole process, so there
// it does not, and the forecast pool leaves a core free instead).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export const NICE_WORKERS = process.platform === 'linux';
export const WORKER_NICE = 10;

/** The calling worker thread at nice 10: it takes only the CPU that the hub's own work leaves. */
export function niceThread(): void {
  if (NICE_WORKERS) os.setPriority(WORKER_NICE);
}

/**
 * The calling worker thread on CPU time nobody else wants: Linux's SCHED_IDLE (set per thread with
 * util-linux's chrt), else nice 10, which still takes a share of a busy core. It cannot keep the
 * thread's cache and memory traffic off the other core: the report runner also rests between
 * sends while screens are live (reports/runner.ts).
 */
export function idleThread(): void {
  if (!NICE_WORKERS) return;
  niceThread();
  try {
    const tid = fs.readlinkSync('/proc/thread-self').split('/').pop()!;
    execFileSync('chrt', ['--idle', '-p', '0', tid], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    // no chrt: nice 10 stays
  }
}
