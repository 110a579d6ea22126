import fp from 'fastify-plugin';
import type { Config } from '../config.js';

export interface DemoPluginOptions {
  config: Config;
}

// Placeholder until the demo market lands: registered so that app.ts stays stable.
export default fp<DemoPluginOptions>(async () => {}, {
  name: 'demo',
  dependencies: ['workspaces', 'ingest'],
});
