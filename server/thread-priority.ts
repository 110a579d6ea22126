import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { NICE_FITS, WORKER_NICE } from './forecast/priority.js';

/**
 * Puts the calling worker thread on CPU time nobody else wants: Linux's SCHED_IDLE (set per
 * thread with util-linux's chrt), else nice 10. Nice 10 still takes a share of a busy core; a
 * report's rendering at nice 10 raised the wall's freshness p99 by up to 20 ms, at SCHED_IDLE it
 * measured no change (docs/benchmarks.md, E-mail reports). What it got, for the logs.
 */
export function idleThread(): 'idle' | 'nice' | 'unchanged' {
  if (!NICE_FITS) return 'unchanged';
  os.setPriority(WORKER_NICE);
  try {
    const tid = fs.readlinkSync('/proc/thread-self').split('/').pop()!;
    execFileSync('chrt', ['--idle', '-p', '0', tid], { stdio: 'ignore', timeout: 5_000 });
    return 'idle';
  } catch {
    return 'nice';
  }
}
