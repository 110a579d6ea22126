import fp from 'fastify-plugin';
import { Database } from './database.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

export interface DbPluginOptions {
  file: string;
  memoryLimit?: string;
  threads?: number;
}

export default fp<DbPluginOptions>(
  async (app, options) => {
    const db = await Database.open(options.file, {
      memoryLimit: options.memoryLimit,
      threads: options.threads,
    });
    app.decorate('db', db);
    // Closed last (hooks run in reverse), after the writer has drained.
    app.addHook('onClose', async () => {
      await db.close();
      app.log.info({ file: options.file }, 'database closed');
    });
    app.log.info({ file: options.file }, 'database open');
  },
  { name: 'db' },
);
