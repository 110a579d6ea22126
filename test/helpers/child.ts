// The hub as a child process (node --import tsx server/main.ts), for tests that kill it.
import { actAsOwner, TEST_PASSWORD } from './sign-in.js';
import { spawn, type ChildProcess } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every child still running: killed on process exit, and by `killAllHubs` in an afterAll. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function killAllHubs(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface ChildHub {
  child: ChildProcess;
  url: string;
  /** stdout and stderr of the child, for failure messages */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

/**
 * Starts the hub on `dataDir` and resolves once GET /readyz answers 200. `env.PORT` keeps a port
 * (a restart that clients reconnect to); a free one otherwise.
 */
export async function startChildHub(dataDir: string, env: Record<string, string> = {}): Promise<ChildHub> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  // HUB_NODE_ARGS: node flags for the hub alone, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile
  // a benchmark's hub (NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = process.env.HUB_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'server/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DEMO: 'off',
      CONVERGENCE_ADMIN_PASSWORD: TEST_PASSWORD,
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      done = true;
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const hub: ChildHub = { child, url: `http://127.0.0.1:${port}`, output, exited, alive: () => !done };
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (!hub.alive()) {
      throw new Error(`the hub exited before it was ready:\n${output.join('')}`);
    }
    try {
      const response = await fetch(`${hub.url}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 200) {
        // Signed in as the owner, unless the test chose the owner's password itself.
        if ((env.CONVERGENCE_ADMIN_PASSWORD ?? TEST_PASSWORD) === TEST_PASSWORD) await actAsOwner(hub.url);
        return hub;
      }
      await response.body?.cancel();
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the hub was not ready within 45 s:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** SIGKILL, and wait until the process is gone (its DuckDB file lock with it). */
export async function killHub(hub: ChildHub): Promise<void> {
  if (hub.alive()) hub.child.kill('SIGKILL');
  await hub.exited;
}
