// The naive server (baseline f, see naive.ts) as a process of its own, as an operator would run it:
//
//   node --import tsx test/bench/naive-server.ts <DuckDB file>
//
// Environment: PORT (default 0: a free port), HOST (default 127.0.0.1), MAX_BODY_MB (default 64).
// Once it listens it prints one JSON line {"url": ...} on stdout, and GET /ready answers 200.
// SIGTERM or SIGINT: stops listening, lets the last commit finish, closes the file, exits 0.
import { startNaiveServer } from './naive.js';

const int = (name: string, fallback: number) => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
};

async function main(): Promise<void> {
  const dbFile = process.argv[2];
  if (!dbFile) throw new Error('usage: naive-server.ts <DuckDB file>');
  const server = await startNaiveServer(dbFile, {
    maxBodyMb: int('MAX_BODY_MB', 64),
    port: int('PORT', 0),
    host: process.env.HOST || '127.0.0.1',
  });
  let closing = false;
  const close = () => {
    if (closing) return;
    closing = true;
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
