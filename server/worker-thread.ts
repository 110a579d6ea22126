import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module `name` beside `from` (the caller's import.meta.url). Under
 * tsx (dev, tests) that is the .ts file, loaded through tsx too: Node 20 does not pass `--import
 * tsx` on to workers, so the worker registers tsx itself first. Built, it is the .js file.
 */
export function workerBeside(from: string, name: string, options: WorkerOptions = {}): Worker {
  const fromSource = from.endsWith('.ts');
  const url = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, from);
  return fromSource
    ? new Worker(
        `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`,
        { ...options, eval: true },
      )
    : new Worker(url, options);
}
