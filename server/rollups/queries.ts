// Tables owned by the rollups capability: the series-key dictionary and the minute/hour/day rollups.
// Rollup rows are partial aggregates appended per commit (cost O(batch), see partials.ts); `gen`
// orders them so the compactor merges only what arrived since its last run.
import type { Grain } from '../../shared/schemas/series.js';

export const GRAIN_TABLES: Record<Grain, string> = {
  minute: 'rollup_minute',
  hour: 'rollup_hour',
  day: 'rollup_day',
};

/** Merging partials: the gauge value is the one at the latest timestamp, the larger on a tie. */
const mergeAggregates = `sum(sum) AS sum, sum(count)::BIGINT AS count, min(min) AS min, max(max) AS max,
  max(last_ts) AS last_ts, arg_max(last_value, (last_ts, last_value)) AS last_value`;

const rawAggregates = `sum(value) AS sum, count(*)::BIGINT AS count, min(value) AS min, max(value) AS max,
  max(ts) AS last_ts, arg_max(value, (ts, value)) AS last_value`;

/** Local midnight (naive) of a UTC instant in the zone `$tz`. */
const localDay = (column: string) => `date_trunc('day', timezone($tz, ${column}::TIMESTAMPTZ))`;

export const q = {
  allSeries: `SELECT ws, id, brand, touchpoint, source, metric FROM series`,
  maxSeriesId: `SELECT COALESCE(max(id), 0)::INTEGER AS id FROM series`,
  firstHour: `SELECT epoch_ms(min(bucket))::DOUBLE AS first FROM rollup_hour WHERE ws = $ws`,
  maxGen: `SELECT COALESCE(max(g), 0)::BIGINT AS gen FROM (
      SELECT max(gen) AS g FROM rollup_minute UNION ALL SELECT max(gen) FROM rollup_hour
      UNION ALL SELECT max(gen) FROM rollup_day UNION ALL SELECT max(value) FROM rollup_state)`,
  watermark: `SELECT value::BIGINT AS value FROM rollup_state WHERE name = 'compacted_gen'`,
  setWatermark: `DELETE FROM rollup_state WHERE name = 'compacted_gen';
    INSERT INTO rollup_state VALUES ('compacted_gen', $gen)`,

  // Zone offsets are whole quarter-hours, so every minute falls in exactly one local day. The zone is
  // applied once per distinct minute, not once per row: it is the costliest expression here.
  rebuildDays: `DELETE FROM rollup_day WHERE ws = $ws;
    INSERT INTO rollup_day
    SELECT ws, series, day, ${mergeAggregates}, $gen
    FROM rollup_minute
    JOIN (SELECT bucket, ${localDay('bucket')} AS day
          FROM (SELECT DISTINCT bucket FROM rollup_minute WHERE ws = $ws)) USING (bucket)
    WHERE ws = $ws GROUP BY ws, series, day`,

  /** Recomputes whole buckets of a grain from raw rows (`source`) after a correction. */
  recompute: (table: string, bucketExpr: string, source: string) => `
    DELETE FROM ${table} WHERE ws = $ws AND series IN (SELECT unnest($series::INTEGER[]))
      AND bucket >= $lo::TIMESTAMP AND bucket < $hi::TIMESTAMP;
    INSERT INTO ${table}
      SELECT ws, series, ${bucketExpr} AS b, ${rawAggregates}, $gen FROM ${source}
      WHERE ws = $ws AND series IN (SELECT unnest($series::INTEGER[]))
      GROUP BY ws, series, b HAVING b >= $lo::TIMESTAMP AND b < $hi::TIMESTAMP`,
  localDay,

  compact: (table: string) => `
    CREATE OR REPLACE TEMP TABLE compact_keys AS
      SELECT DISTINCT ws, series, bucket FROM ${table} WHERE gen > $watermark;
    CREATE OR REPLACE TEMP TABLE compact_bounds AS
      SELECT min(bucket) AS lo, max(bucket) AS hi, count(*) AS n FROM compact_keys;
    CREATE OR REPLACE TEMP TABLE compact_merged AS
      SELECT t.ws, t.series, t.bucket, ${mergeAggregates}
      FROM ${table} t SEMI JOIN compact_keys k ON t.ws = k.ws AND t.series = k.series AND t.bucket = k.bucket
      WHERE t.bucket BETWEEN (SELECT lo FROM compact_bounds) AND (SELECT hi FROM compact_bounds)
      GROUP BY t.ws, t.series, t.bucket;
    DELETE FROM ${table} t USING compact_keys k
      WHERE t.ws = k.ws AND t.series = k.series AND t.bucket = k.bucket
        AND t.bucket BETWEEN (SELECT lo FROM compact_bounds) AND (SELECT hi FROM compact_bounds);
    -- In time order: merged rows then cluster by bucket, so that window queries skip row groups.
    INSERT INTO ${table} SELECT *, $gen FROM compact_merged ORDER BY ws, bucket, series;
    DROP TABLE compact_keys; DROP TABLE compact_bounds; DROP TABLE compact_merged`,
  partialCount: (table: string) => `SELECT count(*)::BIGINT AS n FROM ${table} WHERE gen > $watermark`,

  /**
   * One row per bucket overlapping [$from, $to) for the series in $series. For gauges, `last` is
   * the value as of the bucket end: per series the latest value so far (carried over buckets without
   * data, and from before $from), combined across series with `combine` (sum or avg).
   */
  series: (o: { table: string; grain: Grain; gauge: boolean; combine: 'sum' | 'avg' }) => {
    // Day buckets are stored as local midnights: compare them with local bounds.
    const bound = (p: string) => (o.grain === 'day' ? `timezone($tz, ${p}::TIMESTAMPTZ)` : `${p}::TIMESTAMP`);
    const low = `date_trunc('${o.grain}', ${bound('$from')})`;
    const scope = `ws = $ws AND series IN (SELECT unnest($series::INTEGER[]))`;
    const perKey = `per_key AS (
      SELECT series, bucket, sum(sum) AS sum, sum(count) AS count, min(min) AS min, max(max) AS max,
        arg_max(last_value, (last_ts, last_value)) AS last
      FROM ${o.table} WHERE ${scope} AND bucket >= ${low} AND bucket < ${bound('$to')}
      GROUP BY series, bucket)`;
    // Counters need no per-series step (nor its costly arg_max): straight from the table.
    const totals = `SELECT bucket, sum(sum)::DOUBLE AS sum, sum(count)::DOUBLE AS count, min(min)::DOUBLE AS min,
        max(max)::DOUBLE AS max FROM ${
          o.gauge ? 'per_key' : `${o.table} WHERE ${scope} AND bucket >= ${low} AND bucket < ${bound('$to')}`
        } GROUP BY bucket`;
    const asOf = o.gauge
      ? `, prior AS (
          SELECT series, arg_max(last_value, (last_ts, last_value)) AS last
          FROM ${o.table} WHERE ${scope} AND bucket < ${low} GROUP BY series),
        grid AS (
          SELECT b.bucket, s.series FROM (SELECT DISTINCT bucket FROM per_key) b
          CROSS JOIN (SELECT series FROM per_key UNION SELECT series FROM prior) s),
        filled AS (
          SELECT g.bucket, COALESCE(
              last_value(p.last IGNORE NULLS) OVER (PARTITION BY g.series ORDER BY g.bucket
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
              pr.last) AS value
          FROM grid g LEFT JOIN per_key p ON p.series = g.series AND p.bucket = g.bucket
          LEFT JOIN prior pr ON pr.series = g.series),
        as_of AS (SELECT bucket, ${o.combine}(value)::DOUBLE AS last FROM filled GROUP BY bucket)`
      : '';
    return `${o.gauge ? `WITH ${perKey}${asOf}` : ''}
      SELECT epoch_ms(t.bucket)::DOUBLE AS local,
        epoch_ms(${o.grain === 'day' ? 'timezone($tz, t.bucket)' : 't.bucket'})::DOUBLE AS instant,
        t.sum, t.count, t.min, t.max, ${o.gauge ? 'a.last' : 'NULL::DOUBLE AS last'}
      FROM (${totals}) t ${o.gauge ? 'JOIN as_of a ON a.bucket = t.bucket' : ''}
      ORDER BY t.bucket`;
  },

  /**
   * Sums of every series of the workspace over bucket ranges, one result set per range (`part`):
   * a total per series (`slot` 0), or with `profile` one sum per bucket of the range (the minute
   * of an hour read from minute buckets, the hour of a day from hour buckets). One branch per
   * range: a plain range is pushed down to the zone maps, an OR of ranges is not. `ranges` name
   * each branch's table and bound parameters.
   */
  totals: (ranges: { table: string; from: string; to: string; profile: boolean }[]) =>
    ranges
      .map((r, i) => {
        const slot = r.profile ? `${r.table === GRAIN_TABLES.minute ? 'minute' : 'hour'}(bucket)` : '0';
        return `SELECT ${i}::INTEGER AS part, series, ${slot}::INTEGER AS slot, sum(sum)::DOUBLE AS sum
      FROM ${r.table} WHERE ws = $ws AND bucket >= $${r.from}::TIMESTAMP AND bucket < $${r.to}::TIMESTAMP
      GROUP BY ALL`;
      })
      .join('\n    UNION ALL\n    '),

  /**
   * Per series, the latest (ts, value) of the day buckets up to $dayCut (a wall-clock midnight
   * whose day ended before the instant asked in any zone).
   */
  levelsDays: `
    SELECT series, epoch_ms(max(last_ts))::DOUBLE AS ts, arg_max(last_value, (last_ts, last_value))::DOUBLE AS value
    FROM rollup_day WHERE ws = $ws AND series IN (SELECT unnest($series::INTEGER[])) AND bucket <= $dayCut::TIMESTAMP
    GROUP BY series`,

  /** Per minute of each hour (`part`), the aggregates of counters over the series set. */
  minuteAggregates: (ranges: { from: string; to: string }[]) =>
    ranges
      .map(
        (r, i) => `SELECT ${i}::INTEGER AS part, minute(bucket)::INTEGER AS slot, sum(sum)::DOUBLE AS sum,
        sum(count)::DOUBLE AS count, min(min)::DOUBLE AS min, max(max)::DOUBLE AS max
      FROM rollup_minute WHERE ws = $ws AND series IN (SELECT unnest($series::INTEGER[]))
        AND bucket >= $${r.from}::TIMESTAMP AND bucket < $${r.to}::TIMESTAMP
      GROUP BY ALL`,
      )
      .join('\n    UNION ALL\n    '),

  /**
   * Per series and bucket of each range (`part`; `slot`: the minute of an hour from minute buckets,
   * the hour of a day from hour buckets), the latest (ts, value): what levels are read from after
   * the closed days. One branch per range, as in `totals`.
   */
  levelSlots: (ranges: { table: string; from: string; to: string }[]) =>
    ranges
      .map(
        (r, i) => `SELECT ${i}::INTEGER AS part, series,
        ${r.table === GRAIN_TABLES.minute ? 'minute' : 'hour'}(bucket)::INTEGER AS slot,
        epoch_ms(max(last_ts))::DOUBLE AS ts, arg_max(last_value, (last_ts, last_value))::DOUBLE AS value
      FROM ${r.table} WHERE ws = $ws AND series IN (SELECT unnest($series::INTEGER[]))
        AND bucket >= $${r.from}::TIMESTAMP AND bucket < $${r.to}::TIMESTAMP
      GROUP BY ALL`,
      )
      .join('\n    UNION ALL\n    '),

  /**
   * Per bucket and series of one grain table: the total and the latest value (a level's value).
   * With `grouped`, per bucket and group instead (`$groups` gives each series' group): the totals
   * only, far fewer rows to read back.
   */
  bucketTotals: (table: string, grouped: boolean) =>
    grouped
      ? `
    SELECT epoch_ms(bucket)::DOUBLE AS bucket, grp AS series, sum(sum)::DOUBLE AS sum, NULL::DOUBLE AS last
    FROM ${table} JOIN (SELECT unnest($series::INTEGER[]) AS series, unnest($groups::INTEGER[]) AS grp) USING (series)
    WHERE ws = $ws AND bucket >= $lo::TIMESTAMP AND bucket < $hi::TIMESTAMP
    GROUP BY bucket, grp`
      : `
    SELECT epoch_ms(bucket)::DOUBLE AS bucket, series, sum(sum)::DOUBLE AS sum,
      arg_max(last_value, (last_ts, last_value))::DOUBLE AS last
    FROM ${table}
    WHERE ws = $ws AND series IN (SELECT unnest($series::INTEGER[])) AND bucket >= $lo::TIMESTAMP AND bucket < $hi::TIMESTAMP
    GROUP BY bucket, series`,

  deleteWorkspace: [
    `DELETE FROM series WHERE ws = $ws`,
    ...Object.values(GRAIN_TABLES).map((table) => `DELETE FROM ${table} WHERE ws = $ws`),
  ],
};
