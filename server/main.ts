import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, readConfig } from './config.js';
import { SchemaError } from './db/migrate.js';
import { DomainError } from './errors.js';

async function main(): Promise<void> {
  let config;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`convergence: ${(error as Error).message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await buildApp(config);
  // Signals drain the writer: every acknowledged row is committed before the process exits.
  // No deadline (delay: null): a kill is the operator's call, never ours mid-commit.
  closeWithGrace({ delay: null, logger: false }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    app.log.info({ signal }, 'closing: draining the writer');
    try {
      await app.close();
    } catch (closeErr) {
      app.log.error({ err: closeErr }, 'close failed');
      throw closeErr;
    }
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  app.log.info({ url, docs: `${url}/docs`, db: config.dbFile }, 'Convergence is listening');
  process.stdout.write(`Convergence hub: ${url}  (live wall: ${url}/wall, API docs: ${url}/docs)\n`);
  const first = app.firstStart;
  if (first) {
    process.stdout.write(
      first.generated
        ? `First start: sign in at ${url}/signin as ${first.email} with the password ${first.password}\n` +
            '  (shown this once: keep it, or change it in the app under your name > Change password)\n'
        : `First start: sign in at ${url}/signin as ${first.email} with CONVERGENCE_ADMIN_PASSWORD.\n`,
    );
  }
  if (app.demo.status().phase !== 'off') {
    process.stdout.write(
      'Demo market: workspace "demo" is streamed through the ingest API (DEMO=off to start without it).\n',
    );
  }
}

main().catch((error: unknown) => {
  // What is wrong with the database file and what to do: a stack trace would bury it.
  if (error instanceof SchemaError || error instanceof DomainError) {
    process.stderr.write(`convergence: ${error.message}\n${error.hint}\n`);
    process.exit(1);
  }
  process.stderr.write(`convergence: failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
