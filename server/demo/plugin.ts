import type { AddressInfo } from 'node:net';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { Feeder, type FeedStatus } from './feeder.js';
import { addDemoObjectives } from './objectives.js';
import { DEMO_WORKSPACE } from './market.js';

const DEMO_KEY_NAME = 'demo market';

export interface DemoPluginOptions {
  config: Config;
}

export interface DemoState {
  /** `off`: DEMO=off or a base that already holds other workspaces; otherwise the feeder's. */
  status(): FeedStatus | { phase: 'off' | 'starting' };
}

declare module 'fastify' {
  interface FastifyInstance {
    demo: DemoState;
  }
}

/**
 * DEMO=auto: an empty base gets the demo market, created, backfilled and streamed through the
 * hub's own HTTP API once it listens; a base that already holds it only resumes the live stream.
 */
export default fp<DemoPluginOptions>(
  async (app, { config }) => {
    let feeder: Feeder | undefined;
    let running: Promise<void> | undefined;
    // This start created the workspace (the feeder, with an ingest key, only feeds it).
    let created = false;
    let starting = false;
    let closing = false;
    app.decorate('demo', {
      status: () => {
        const status = feeder?.status();
        if (status) return { ...status, created: status.created || created };
        return { phase: starting ? ('starting' as const) : ('off' as const) };
      },
    });
    if (config.demo !== 'auto') return;

    const log = app.log.child({ component: 'demo' });
    // onListen: the address is known; the feeder runs in the background and never delays startup.
    app.addHook('onListen', async () => {
      const workspaces = app.workspaces.list();
      const resume = workspaces.some((w) => w.id === DEMO_WORKSPACE.id);
      if (workspaces.length > 0 && !resume) {
        log.info({ workspaces: workspaces.length }, 'demo market: the base holds workspaces; none added');
        return;
      }
      const url = ownUrl(app.server.address());
      if (!url) {
        log.warn({ address: app.server.address() }, 'demo market: not on a TCP address; not started');
        return;
      }
      starting = true;
      running = feed(url, resume).catch((err: unknown) => {
        log.error({ err, hint: (err as { hint?: string }).hint }, 'demo market: feeder stopped on an error');
      });
    });

    // The owner's workspace; the feeder is a producer like any other, with an ingest key of its own
    // (a new one at each start: the last one's secret was never kept).
    const feed = async (url: string, resume: boolean) => {
      const { id, name, timezone, brands } = DEMO_WORKSPACE;
      if (!resume) {
        await app.workspaces.put(id, { name, timezone, brands });
        created = true;
      }
      for (const key of app.auth.keyList(id))
        if (key.name === DEMO_KEY_NAME) await app.auth.revokeKey(id, key.id);
      const { key } = await app.auth.createKey(id, { name: DEMO_KEY_NAME, scopes: ['ingest', 'read'] });
      if (closing) return;
      feeder = new Feeder({ url, workspace: id, logger: log, stopOnUnavailable: true, token: key });
      await feeder.run({
        create: false,
        days: resume ? 0 : config.demoDays,
        rate: config.demoRate,
        afterBackfill: async (days) => {
          const workspace = app.workspaces.get(id);
          if (!workspace) return;
          // An objective that cannot be made must not stop the market: the page is only emptier.
          const added = await addDemoObjectives(
            { kpis: app.kpis, objectives: app.objectives, log },
            workspace,
            Date.now(),
            days,
          ).catch((err: unknown) => {
            log.warn({ err }, 'demo market: objectives not added');
            return [];
          });
          if (added.length) log.info({ objectives: added }, 'demo market: objectives added');
        },
      });
    };

    // Closing refuses new requests with a 503 from then on, which stops the feeder; this waits for
    // its run to end (an answer in flight included) before the database goes away.
    app.addHook('preClose', async () => {
      closing = true;
      await feeder?.stop();
      await running;
    });
  },
  { name: 'demo', dependencies: ['workspaces', 'ingest', 'auth', 'kpi', 'objectives'] },
);

/** The hub's own base URL; a wildcard address is reached through loopback. */
function ownUrl(address: string | AddressInfo | null): string | undefined {
  if (!address || typeof address === 'string') return undefined;
  let host = address.address;
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
