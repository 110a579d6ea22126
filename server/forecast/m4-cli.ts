// npm run forecast:m4 -- --train Hourly-train.csv --test Hourly-test.csv --horizon 48 --frequency hourly
// The product's own forecaster (same code, same settings) on an M4-format pair of files.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { mase, owa, smape } from './accuracy.js';
import { naive2 } from './baselines.js';
import { OUTLIER_LIMIT } from './outliers.js';
import { ForecastPool } from './pool.js';

const FREQUENCIES: Record<string, { maseM: number; periods: number[]; published?: string }> = {
  hourly: {
    maseM: 24,
    periods: [24, 168],
    published:
      'M4 published (hourly): Naive2 sMAPE 18.383; Theta 18.138; Smyl 9.328 (OWA 0.440); Doornik 8.913 (OWA 0.410)',
  },
  daily: { maseM: 1, periods: [7] },
  weekly: { maseM: 1, periods: [52] },
  monthly: { maseM: 12, periods: [12] },
  quarterly: { maseM: 4, periods: [4] },
  yearly: { maseM: 1, periods: [] },
};

/** An M4 file: a header row, then "id",v1,v2,… with empty cells past each series' end. */
function readM4(file: string): Map<string, number[]> {
  const series = new Map<string, number[]>();
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).slice(1);
  for (const line of lines) {
    if (!line.trim()) continue;
    const [id, ...cells] = line.split(',');
    const values = cells
      .map((c) => c.replace(/"/g, '').trim())
      .filter((c) => c !== '')
      .map(Number);
    series.set(id!.replace(/"/g, ''), values);
  }
  return series;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      train: { type: 'string' },
      test: { type: 'string' },
      horizon: { type: 'string' },
      frequency: { type: 'string' },
      limit: { type: 'string' },
      'outlier-limit': { type: 'string' },
    },
  });
  const frequency = FREQUENCIES[values.frequency ?? ''];
  const horizon = Number(values.horizon);
  if (!values.train || !values.test || !frequency || !Number.isInteger(horizon) || horizon < 1) {
    process.stderr.write(
      `usage: npm run forecast:m4 -- --train <file> --test <file> --horizon <h> --frequency ${Object.keys(FREQUENCIES).join('|')} [--limit N] [--outlier-limit SDS (0: none)]\n`,
    );
    return 2;
  }
  const train = readM4(values.train);
  const test = readM4(values.test);
  const ids = [...train.keys()].slice(0, values.limit ? Number(values.limit) : undefined);
  // The product clips outliers of KPI histories before it fits them; 0 fits the series as it is.
  const outlierLimit =
    values['outlier-limit'] === undefined ? OUTLIER_LIMIT : Number(values['outlier-limit']);
  const started = performance.now();
  const pool = new ForecastPool(Math.max(1, (await import('node:os')).availableParallelism()));
  const totals = { smape: 0, mase: 0, n2smape: 0, n2mase: 0, covered: 0, points: 0 };
  try {
    await Promise.all(
      ids.map(async (id) => {
        const y = train.get(id)!;
        const actual = test.get(id)!.slice(0, horizon);
        const f = await pool.forecast(y, { periods: frequency.periods, horizon, outlierLimit });
        const n2 = naive2(y, frequency.maseM, horizon);
        totals.smape += smape(actual, f.mean);
        totals.mase += mase(y, actual, f.mean, frequency.maseM);
        totals.n2smape += smape(actual, n2);
        totals.n2mase += mase(y, actual, n2, frequency.maseM);
        actual.forEach((a, h) => {
          totals.points++;
          if (a >= f.lo95[h]! && a <= f.hi95[h]!) totals.covered++;
        });
      }),
    );
  } finally {
    await pool.close();
  }
  const n = ids.length;
  const s = totals.smape / n;
  const m = totals.mase / n;
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `sMAPE ${s.toFixed(3)} MASE ${m.toFixed(3)} OWA ${owa(s, m, totals.n2smape / n, totals.n2mase / n).toFixed(3)} coverage95 ${(totals.covered / totals.points).toFixed(3)} time ${seconds.toFixed(1)}s\n`,
  );
  process.stdout.write(
    `${n} series, horizon ${horizon}; Naive2 here: sMAPE ${(totals.n2smape / n).toFixed(3)} MASE ${(totals.n2mase / n).toFixed(3)}\n`,
  );
  if (frequency.published) process.stdout.write(`${frequency.published}\n`);
  return 0;
}

main().then((code) => process.exit(code));
