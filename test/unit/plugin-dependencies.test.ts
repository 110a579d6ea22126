import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// A capability reaches another's service through the decorator that other plugin sets, and only
// after declaring it as a dependency (Fastify then checks the order at boot). A decorator used
// without that declaration works only by the accident of registration order.

/** Which plugin sets each decorator. */
const DECORATORS: Record<string, string> = {
  db: 'db',
  auth: 'auth',
  metrics: 'ops',
  workspaces: 'workspaces',
  rollups: 'rollups',
  ingest: 'ingest',
  kpis: 'kpi',
  objectives: 'objectives',
  alerts: 'alerts',
  engine: 'engine',
  demo: 'demo',
  forecasts: 'forecast',
  anomalies: 'anomalies',
};

const filesOf = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesOf(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => f.endsWith('.ts'));

describe('capability plugins', () => {
  const capabilities = fs.readdirSync('server').filter((d) => fs.existsSync(`server/${d}/plugin.ts`));

  it.each(capabilities)('%s declares every plugin whose decorator it uses', (capability) => {
    const plugin = fs.readFileSync(`server/${capability}/plugin.ts`, 'utf8');
    const name = /name: '([^']+)'/.exec(plugin)?.[1];
    const declared = new Set(/dependencies: \[([^\]]*)\]/.exec(plugin)?.[1]?.match(/[\w-]+/g) ?? []);
    const used = new Set<string>();
    for (const file of filesOf(`server/${capability}`)) {
      for (const [, decorator] of fs.readFileSync(file, 'utf8').matchAll(/\bapp\.(\w+)\b/g)) {
        const owner = DECORATORS[decorator!];
        if (owner && owner !== name) used.add(owner);
      }
    }
    expect([...used].filter((owner) => !declared.has(owner))).toEqual([]);
  });
});
