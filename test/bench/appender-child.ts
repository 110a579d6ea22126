// Baseline e (see naive.ts) as a process of its own, so that it is measured alone like the servers:
//
//   node --import tsx test/bench/appender-child.ts <DuckDB file> <rows> <seed> <now ms> <workspace>
//
// Generates the benchmark's data set with data.ts (the runner passes its own rows, seed and clock,
// so the rows are the same), opens the file and prints {"ready": true, ...} on stdout. Then, for
// each line on stdin:
//   append   appends every row through the row appender, one commit, and prints
//            {"rows", "seconds", "cpuSeconds"} (wall and CPU time of the append alone)
//   quit     closes the file and exits 0 (so does the end of stdin)
import readline from 'node:readline';
import { generate } from './data.js';
import { appendColumns, openDuck } from './naive.js';

async function main(): Promise<void> {
  const [dbFile, rowsArg, seedArg, nowArg, workspace] = process.argv.slice(2);
  const rows = Number(rowsArg);
  const seed = Number(seedArg);
  const now = Number(nowArg);
  if (!dbFile || !workspace || ![rows, seed, now].every(Number.isInteger)) {
    throw new Error('usage: appender-child.ts <DuckDB file> <rows> <seed> <now ms> <workspace>');
  }
  let started = performance.now();
  const cols = generate(rows, now, seed);
  const generateSeconds = (performance.now() - started) / 1000;
  const duck = await openDuck(dbFile);
  const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
  say({ ready: true, rows, generateSeconds });
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const command = line.trim();
    if (command === 'quit') break;
    if (command !== 'append') throw new Error(`unknown command "${command}"`);
    const cpu = process.cpuUsage();
    started = performance.now();
    await appendColumns(duck, workspace, cols);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    say({ rows: cols.length, seconds, cpuSeconds: (used.user + used.system) / 1e6 });
  }
  duck.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
