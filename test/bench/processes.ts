// The benchmark's own child processes (the naive server, the appender) and temp dirs: started
// with `node --import tsx <entry>` like the hub (test/helpers/child.ts), SIGKILLed and removed when
// this process exits, however it exits (test/helpers/child.ts does the same for its hubs).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAllHubs, REPO_ROOT } from '../helpers/child.js';

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();

process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of tempDirs) removeDir(dir);
});

/** A fresh temp dir, removed by `removeDir` or at exit. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // a child being killed may still be writing into it: best effort
  }
  tempDirs.delete(dir);
}

/** SIGKILLs every child still running (ours and the hubs), and waits until they are gone. */
export async function killAllChildren(): Promise<void> {
  await Promise.all([
    killAllHubs(),
    ...[...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  ]);
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * SIGTERM (unless `signal` is null: the child was asked to quit another way), then waits for the
 * exit (the process drains and closes its DuckDB file); SIGKILL and an error after `timeoutMs`, or
 * if it exits with anything but 0.
 */
export async function stopProcess(
  label: string,
  child: ChildProcess,
  exited: Promise<Exit>,
  output: string[],
  { signal = 'SIGTERM', timeoutMs = 120_000 }: { signal?: NodeJS.Signals | null; timeoutMs?: number } = {},
): Promise<void> {
  if (signal && child.exitCode === null && child.signalCode === null) child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([exited, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${label}: not stopped ${timeoutMs / 1000} s after SIGTERM:\n${tail(output)}`);
  }
  if (result.code !== 0) {
    throw new Error(`${label}: exited with ${result.code ?? result.signal} after SIGTERM:\n${tail(output)}`);
  }
}

export const tail = (output: string[]) => output.join('').slice(-4000);

export interface BenchChild {
  child: ChildProcess;
  pid: number;
  /** stderr, and stdout lines nobody read, for failure messages */
  output: string[];
  exited: Promise<Exit>;
  alive(): boolean;
  /** The next line the child prints on stdout. */
  line(timeoutMs?: number): Promise<string>;
  /** Writes one line to the child's stdin. */
  send(line: string): void;
}

/** Starts `node --import tsx <script> ...args` from the repository root, with `env` added. */
export function spawnTs(script: string, args: string[], env: Record<string, string> = {}): BenchChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  const output: string[] = [];
  const lines: string[] = [];
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let pending = '';
  let done = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      const waiter = waiting.shift();
      if (waiter) waiter.resolve(line);
      else lines.push(line);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stdin!.on('error', () => undefined); // EPIPE once the child is gone: reported by its exit
  const exited = new Promise<Exit>((resolve) => {
    // 'close', not 'exit': every byte the child wrote has been read by then.
    child.on('close', (code, signal) => {
      done = true;
      running.delete(child);
      output.push(...lines.map((l) => `${l}\n`), pending);
      for (const waiter of waiting.splice(0)) {
        waiter.reject(new Error(`${script} exited (${code ?? signal}):\n${tail(output)}`));
      }
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  return {
    child,
    pid: child.pid,
    output,
    exited,
    alive: () => !done,
    line(timeoutMs = 600_000) {
      const ready = lines.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      if (done) return Promise.reject(new Error(`${script} has exited:\n${tail(output)}`));
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = waiting.indexOf(waiter);
          if (index >= 0) waiting.splice(index, 1);
          reject(new Error(`${script}: no answer within ${timeoutMs / 1000} s:\n${tail(output)}`));
        }, timeoutMs);
        const waiter = {
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
          reject: (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiting.push(waiter);
      });
    },
    send(line: string) {
      child.stdin!.write(`${line}\n`);
    },
  };
}
