import { Type, type Static } from 'typebox';
import { IdText, ListText, TimeText } from './text.js';
import { Nullable } from './nullable.js';

/** What a KPI's value is counted in (the web formats it by this). */
export const KpiUnit = Type.Union([
  Type.Literal('count'),
  Type.Literal('percent'),
  Type.Literal('position'),
  Type.Literal('rating'),
  Type.Literal('people'),
  Type.Literal('index'),
]);

/** Whether a KPI is better higher or lower (ranks and colours follow it). */
export const KpiDirection = Type.Union([Type.Literal('higher'), Type.Literal('lower')]);

export const WindowQuery = Type.Object({
  window: Type.Optional(TimeText({ description: '1h, 24h, 7d, 28d, 30d, 90d, today, wtd, mtd, qtd, ytd' })),
  from: Type.Optional(TimeText({ description: 'explicit start (ISO 8601), floored to the minute' })),
  to: Type.Optional(TimeText({ description: 'explicit end, exclusive (ISO 8601), floored to the minute' })),
  at: Type.Optional(TimeText({ description: '"now" for named windows (ISO 8601); the clock by default' })),
  touchpoint: Type.Optional(ListText({ description: 'comma-separated touchpoints, within the KPI’s own' })),
  source: Type.Optional(ListText({ description: 'comma-separated sources' })),
});
export type WindowQuery = Static<typeof WindowQuery>;

/** A window alone (no touchpoint or source: coverage says which of them have data). */
export const CoverageQuery = Type.Object({
  window: WindowQuery.properties.window,
  from: WindowQuery.properties.from,
  to: WindowQuery.properties.to,
  at: WindowQuery.properties.at,
});
export type CoverageQuery = Static<typeof CoverageQuery>;

export const BenchmarkQuery = Type.Intersect([Type.Object({ kpi: IdText() }), WindowQuery]);
export type BenchmarkQuery = Static<typeof BenchmarkQuery>;

export const WindowOut = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
});

export const NULL_REASONS = ['no_data', 'zero_denominator', 'no_value_before_start'] as const;

/** On ratio KPIs whose denominator is under the workspace's minimum volume; absent otherwise. */
export const LowVolumeFields = {
  lowVolume: Type.Optional(
    Type.Literal(true, {
      description:
        'the value rests on less than the minimum volume of its denominator (GET …/min-volumes): it is kept, and so is its rank, but it is noise',
    }),
  ),
  volume: Type.Optional(
    Type.Number({
      description:
        'with lowVolume: what the ratio divided by (impressions, visits, reach, mentions with a sentiment, the set’s total for shares)',
    }),
  ),
};

export const BenchmarkRow = Type.Object({
  brand: Type.String(),
  name: Type.String(),
  own: Type.Boolean(),
  value: Nullable(Type.Number()),
  reason: Type.Optional(Type.String({ description: `why value is null: ${NULL_REASONS.join(', ')}` })),
  previous: Nullable(Type.Number()),
  delta: Nullable(Type.Number()),
  deltaPct: Nullable(Type.Number({ description: 'delta / |previous|, a fraction' })),
  rank: Nullable(Type.Integer({ description: '1 = best given the KPI direction; ties share a rank' })),
  index: Nullable(Type.Number({ description: '100 = the set average; above 100 is better than the set' })),
  share: Nullable(
    Type.Number({ description: 'value / sum over the set, for KPIs where a share means something' }),
  ),
  gapToLeader: Nullable(Type.Number()),
  ...LowVolumeFields,
});
export type BenchmarkRow = Static<typeof BenchmarkRow>;

export const Benchmark = Type.Object({
  kpi: Type.String(),
  window: WindowOut,
  previousWindow: WindowOut,
  rows: Type.Array(BenchmarkRow),
  set: Type.Object({
    average: Nullable(Type.Number()),
    median: Nullable(Type.Number()),
    leader: Nullable(Type.String()),
  }),
});
export type Benchmark = Static<typeof Benchmark>;

export const KpiInfo = Type.Object({
  id: Type.String(),
  label: Type.Object({ en: Type.String(), fr: Type.String() }),
  touchpoints: Type.Array(Type.String()),
  unit: Type.String(),
  direction: KpiDirection,
  shareable: Type.Boolean(),
  formula: Type.Record(Type.String(), Type.String(), { description: 'kind and the metrics it reads' }),
});
export const KpiCatalogue = Type.Object({ rows: Type.Array(KpiInfo) });
export type KpiCatalogue = Static<typeof KpiCatalogue>;

export const KpiParams = Type.Object({ workspace: IdText(), kpi: IdText() });
export const KpiBrandQuery = Type.Intersect([Type.Object({ brand: Type.Optional(IdText()) }), WindowQuery]);
export type KpiBrandQuery = Static<typeof KpiBrandQuery>;

export const KpiValue = Type.Object({
  kpi: Type.String(),
  brand: Type.String(),
  window: WindowOut,
  previousWindow: WindowOut,
  value: Nullable(Type.Number()),
  reason: Type.Optional(Type.String()),
  previous: Nullable(Type.Number()),
  delta: Nullable(Type.Number()),
  deltaPct: Nullable(Type.Number()),
  ...LowVolumeFields,
});
export type KpiValue = Static<typeof KpiValue>;

export const KpiSeriesQuery = Type.Object({
  grain: Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('week')], { default: 'day' }),
  window: Type.Optional(
    TimeText({ description: 'a named window, as for the benchmark (1h … ytd); or give from and to' }),
  ),
  at: Type.Optional(TimeText({ description: '"now" for a named window (ISO 8601); the clock by default' })),
  from: Type.Optional(TimeText({ description: 'ISO 8601; the bucket holding it is the first' })),
  to: Type.Optional(TimeText({ description: 'ISO 8601, exclusive' })),
  brands: Type.Optional(ListText({ description: 'comma-separated brand ids; the whole set by default' })),
  touchpoint: Type.Optional(ListText()),
  source: Type.Optional(ListText()),
});
export type KpiSeriesQuery = Static<typeof KpiSeriesQuery>;

export const KpiSeries = Type.Object({
  kpi: Type.String(),
  grain: Type.String(),
  buckets: Type.Array(
    Type.String({ description: 'bucket starts; day and week buckets as local midnight with offset' }),
  ),
  provisional: Type.Optional(
    Type.Array(Type.Boolean(), {
      description:
        'one per bucket: true for the bucket holding now, still filling (its value will grow), false for closed ones; no bucket comes after it',
    }),
  ),
  series: Type.Array(
    Type.Object({
      brand: Type.String(),
      name: Type.String(),
      own: Type.Boolean(),
      values: Type.Array(Nullable(Type.Number()), { description: 'one per bucket; null without data' }),
    }),
  ),
});
export type KpiSeries = Static<typeof KpiSeries>;

export const DpiWeights = Type.Object({
  touchpoints: Type.Record(IdText(), Type.Number({ minimum: 0 }), {
    maxProperties: 16,
    description: 'weight of each touchpoint score in the overall DPI (default 1; 0 leaves it out)',
  }),
  kpis: Type.Record(IdText(), Type.Number({ minimum: 0 }), {
    maxProperties: 256,
    description: 'weight of each KPI in its touchpoint score (default 1; 0 leaves it out)',
  }),
});
export type DpiWeights = Static<typeof DpiWeights>;

export const CustomKpiInput = Type.Object({
  label: Type.String({ minLength: 1, maxLength: 200 }),
  formula: Type.String({
    minLength: 1,
    maxLength: 2000,
    description:
      'e.g. sum(clicks) / sum(impressions), sum(engagements) / last(followers), sum(mentions where source = "press")',
  }),
  unit: KpiUnit,
  direction: KpiDirection,
});
export type CustomKpiInput = Static<typeof CustomKpiInput>;

const Volume = Type.Number({ minimum: 0, maximum: 1e12 });

export const MinVolumesInput = Type.Object(
  {
    default: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1e12,
        description: 'the minimum volume of every ratio KPI not listed (30 when never set)',
      }),
    ),
    kpis: Type.Optional(
      Type.Record(IdText(), Volume, {
        maxProperties: 256,
        description: 'per KPI, its own minimum (e.g. {"net_sentiment": 50}); 0 never flags it',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MinVolumesInput = Static<typeof MinVolumesInput>;

export const MinVolumes = Type.Object({
  default: Volume,
  kpis: Type.Record(Type.String(), Volume),
});
export type MinVolumes = Static<typeof MinVolumes>;

/** What sent a KPI's metrics over a window: the filters a strategist can pick with data behind them. */
export const KpiCoverage = Type.Object({
  kpi: Type.String(),
  window: WindowOut,
  /** The KPI's touchpoints with data, in order. */
  touchpoints: Type.Array(Type.String()),
  /** Each (touchpoint, source) pair with data. */
  sources: Type.Array(Type.Object({ touchpoint: Type.String(), source: Type.String() })),
});
export type KpiCoverage = Static<typeof KpiCoverage>;
