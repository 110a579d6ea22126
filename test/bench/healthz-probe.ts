// The overload benchmark's /healthz prober (test/bench/overload.ts), in a process of its own so
// that the latencies it sees are the hub's, not those of a client process whose event loop is
// busy pushing large bodies.
//
//   node --import tsx test/bench/healthz-probe.ts <hub url> [interval ms] [timeout ms]
//
// Fires GET /healthz every `interval` ms on a fixed schedule (a probe does not wait for the one
// before it: a stalled hub shows as many slow probes, not as one), and answers lines on stdin:
//
//   start           opens a window: probes fired from now on are counted
//   stop            closes it once every probe fired in it has settled, and prints one JSON line:
//                   { probes, ok, failed, timedOut, p50, p99, max } (milliseconds; a probe that
//                   timed out or failed counts with the time it took)
//   quit            exits
//
// The first line printed is {"ready":true}, after one successful probe.
import readline from 'node:readline';

const [url, intervalArg, timeoutArg] = process.argv.slice(2);
if (!url) {
  console.error('usage: healthz-probe.ts <hub url> [interval ms] [timeout ms]');
  process.exit(2);
}
const INTERVAL_MS = Number(intervalArg ?? 50);
const TIMEOUT_MS = Number(timeoutArg ?? 10_000);
const target = `${url}/healthz`;

interface Sample {
  /** performance.now() when the probe was fired */
  at: number;
  ms: number;
  outcome: 'ok' | 'failed' | 'timeout';
}

let windowStart: number | null = null;
const samples: Sample[] = [];
/** Probes in flight, by their firing time. */
const inFlight = new Map<number, Promise<void>>();

async function probe(at: number): Promise<Sample> {
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    await response.arrayBuffer();
    return { at, ms: performance.now() - at, outcome: response.status === 200 ? 'ok' : 'failed' };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return { at, ms: performance.now() - at, outcome: timedOut ? 'timeout' : 'failed' };
  }
}

function fire(): void {
  const at = performance.now();
  const done = probe(at).then((sample) => {
    inFlight.delete(at);
    if (windowStart !== null && at >= windowStart) samples.push(sample);
  });
  inFlight.set(at, done);
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function closeWindow(): Promise<string> {
  const end = performance.now();
  await Promise.all([...inFlight].filter(([at]) => at < end).map(([, done]) => done));
  const start = windowStart ?? end;
  const counted = samples.filter((s) => s.at >= start && s.at < end);
  samples.length = 0;
  windowStart = null;
  const sorted = counted.map((s) => s.ms).sort((a, b) => a - b);
  return JSON.stringify({
    probes: counted.length,
    ok: counted.filter((s) => s.outcome === 'ok').length,
    failed: counted.filter((s) => s.outcome === 'failed').length,
    timedOut: counted.filter((s) => s.outcome === 'timeout').length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? 0 : sorted[sorted.length - 1]!,
  });
}

async function main(): Promise<void> {
  // Ready once the hub answers at all, so that the first window does not count connection setup.
  for (let attempt = 0; ; attempt++) {
    const sample = await probe(performance.now());
    if (sample.outcome === 'ok') break;
    if (attempt > 200) throw new Error(`${target} does not answer`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  setInterval(fire, INTERVAL_MS);
  process.stdout.write('{"ready":true}\n');
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const command = line.trim();
    if (command === 'start') {
      windowStart = performance.now();
      samples.length = 0;
    } else if (command === 'stop') {
      process.stdout.write(`${await closeWindow()}\n`);
    } else if (command === 'quit') {
      break;
    }
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
