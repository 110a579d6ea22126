import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { NICE_FITS, WORKER_NICE } from './forecast/priority.js';

/**
 * Puts the calling worker thread on CPU time nobody else wants: Linux's SCHED_IDLE (set per
 * thread with util-linux's chrt), else nice 10, which still takes a share of a busy core. It cannot
 * keep the thread's cache and memory traffic off the other core: the report runner also rests
 * between sends while screens are live (runner.ts). What it got, for the logs.
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
