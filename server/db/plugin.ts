import fp from 'fastify-plugin';
import { Database } from './database.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';

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
    app.log.info({ file: options.file }, 'database open');
    // Before any capability reads its tables: they all rely on the schema being the latest.
    try {
      const { from, to, applied } = await db.write((sql) => migrate(sql, MIGRATIONS, options.file));
      if (applied.length > 0)
        app.log.info({ file: options.file, from, to, applied }, 'database schema migrated');
      else app.log.info({ file: options.file, version: to }, 'database schema up to date');
    } catch (error) {
      // No onClose hook yet: release the file here, or it stays locked by this process.
      await db.close();
      throw error;
    }
    app.decorate('db', db);
    // Closed last (hooks run in reverse), after the writer has drained.
    app.addHook('onClose', async () => {
      await db.close();
      app.log.info({ file: options.file }, 'database closed');
    });
  },
  { name: 'db' },
);
