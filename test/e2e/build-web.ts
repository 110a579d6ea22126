import path from 'node:path';
import { build } from 'vite';
import { REPO_ROOT } from '../helpers/child.js';

/** The hub serves dist/web: build it once before the browser tests. */
export default async function setup(): Promise<void> {
  await build({ configFile: path.join(REPO_ROOT, 'web/vite.config.ts'), logLevel: 'warn' });
}
