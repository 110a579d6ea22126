// Writes events.arrows, the Arrow IPC stream that docs/api.md posts: YouTube views and mentions of
// the example's four brands, one week and the week before. Run it again after changing the rows:
//   npx tsx docs/examples/make-arrow.ts [out]   (default: events.arrows beside this file)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Dictionary,
  Float64,
  Int32,
  Table,
  tableToIPC,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';

const WEEK = Date.parse('2026-11-24T12:00:00Z');
const PREVIOUS_WEEK = Date.parse('2026-11-17T12:00:00Z');

// brand → [views this week, views the week before, mentions this week, mentions the week before]
const VIRAL: Record<string, [number, number, number, number]> = {
  acme: [6000, 4000, 8, 4],
  globex: [3000, 5000, 4, 8],
  initech: [1000, 1000, 2, 2],
  umbrella: [2000, 2000, 2, 2],
};

const rows: { ts: number; brand: string; metric: string; value: number }[] = [];
for (const [brand, [views, viewsBefore, mentions, mentionsBefore]] of Object.entries(VIRAL)) {
  rows.push({ ts: PREVIOUS_WEEK, brand, metric: 'views', value: viewsBefore });
  rows.push({ ts: PREVIOUS_WEEK, brand, metric: 'mentions', value: mentionsBefore });
  rows.push({ ts: WEEK, brand, metric: 'views', value: views });
  rows.push({ ts: WEEK, brand, metric: 'mentions', value: mentions });
}

// Repeated strings as dictionaries, as producers usually send them; any string type is read.
const strings = (values: string[]) => vectorFromArray(values, new Dictionary(new Utf8(), new Int32()));
const table = new Table({
  ts: vectorFromArray(
    rows.map((r) => r.ts),
    new TimestampMillisecond(),
  ),
  brand: strings(rows.map((r) => r.brand)),
  touchpoint: strings(rows.map(() => 'viral')),
  source: strings(rows.map(() => 'youtube')),
  metric: strings(rows.map((r) => r.metric)),
  value: vectorFromArray(
    rows.map((r) => r.value),
    new Float64(),
  ),
});

const out = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'events.arrows');
fs.writeFileSync(out, tableToIPC(table, 'stream'));
process.stdout.write(`${path.relative(process.cwd(), out)}: ${table.numRows} rows\n`);
