// The data of each live topic: a flat record of named parts (the model is described in ../live.ts).
// A record has a few fixed parts (`window`, `set`, `counters` …) and entries of one kind under a key
// prefix (`tile:<kpi>`, `row:<brand>`, `p:<bucket>`, `alert:<id>`, built with tileKey, rowKey,
// pointKey and alertKey of ../live.ts). The schemas allow exactly those keys, so that a part added
// on the server without a schema fails the wire test (test/integration/live-wire.test.ts).
import { Type, type Static, type TSchema } from 'typebox';
import type { Topic } from '../live-names.js';
import { Benchmark, BenchmarkRow, KpiDirection, LowVolumeFields, WindowOut } from './kpi.js';
import { Nullable } from './nullable.js';

const Instant = Type.String({ format: 'date-time' });
const Label = Type.Object({ en: Type.String(), fr: Type.String() });

/** An entry `tile:<kpi>` of the `tiles` topic. */
export const Tile = Type.Object(
  {
    kpi: Type.String(),
    label: Label,
    unit: Type.String(),
    direction: KpiDirection,
    value: Nullable(Type.Number()),
    previous: Nullable(Type.Number()),
    delta: Nullable(Type.Number()),
    deltaPct: Nullable(Type.Number()),
    rank: Nullable(Type.Integer()),
    ranked: Type.Integer({ description: 'brands with a value (the rank’s denominator)' }),
    sparkline: Type.Array(Nullable(Type.Number()), {
      description:
        'the KPI per bucket over the window so far (hours for 1h/24h/today, days otherwise), oldest first',
    }),
    sparklineProvisional: Type.Boolean({
      description: 'the sparkline’s last bucket holds now: still filling, its value will grow',
    }),
    ...LowVolumeFields,
  },
  { additionalProperties: false },
);
export type Tile = Static<typeof Tile>;

/** The `window` part of the `tiles` topic: the window and the one it is compared with. */
export const TilesWindow = Type.Object(
  { from: Instant, to: Instant, previousFrom: Instant, previousTo: Instant },
  { additionalProperties: false },
);
export type TilesWindow = Static<typeof TilesWindow>;

/** The `set` part of the `benchmark` topic: the REST benchmark's. */
export const BenchmarkSet = Benchmark.properties.set;
export type BenchmarkSet = Static<typeof BenchmarkSet>;

/** An entry `p:<bucket>` of the `series` topic: each brand's value in that bucket. */
export const SeriesPoint = Type.Object(
  {
    bucket: Type.String(),
    values: Type.Record(Type.String(), Nullable(Type.Number())),
    provisional: Type.Optional(
      Type.Boolean({
        description: 'true for the bucket holding now, still filling; no point comes after it',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SeriesPoint = Static<typeof SeriesPoint>;

/** The `counters` part of the `quality` topic. */
export const QualityCounters = Type.Object(
  {
    accepted: Type.Integer({ description: 'rows accepted since the hub started' }),
    rejected: Type.Integer({ description: 'rows rejected since the hub started' }),
    acceptedLastMinute: Type.Integer(),
    rejectedLastMinute: Type.Integer(),
    quarantined: Type.Record(Type.String(), Type.Integer(), { description: 'rows held, per reason' }),
    lastCommitAt: Nullable(Instant),
  },
  { additionalProperties: false },
);
export type QualityCounters = Static<typeof QualityCounters>;

/** A source (and touchpoint, and for share KPIs a brand) behind an anomaly, with its share of it. */
export const AnomalyDriver = Type.Object(
  {
    source: Type.String(),
    touchpoint: Type.String(),
    brand: Type.Optional(
      Type.String({ description: 'for share KPIs: the brand whose move made the share move' }),
    ),
    share: Type.Number({ description: 'its part of the deviation, 0–1' }),
  },
  { additionalProperties: false },
);
export type AnomalyDriver = Static<typeof AnomalyDriver>;

export const AlertKind = Type.Union(
  [
    Type.Literal('source_silent'),
    Type.Literal('rejected_burst'),
    Type.Literal('anomaly'),
    Type.Literal('rule'),
    Type.Literal('objective_at_risk'),
  ],
  {
    description:
      'source_silent, rejected_burst: data quality; anomaly: a KPI outside its forecast band; rule: an alert rule of the workspace fired; objective_at_risk: an objective’s chance fell below its threshold',
  },
);
export type AlertKind = Static<typeof AlertKind>;

/**
 * An alert: an entry `alert:<id>` of the `alerts` topic, and what GET …/alerts lists. Anomaly,
 * rule and objective alerts add what they are about at the top level.
 */
export const Alert = Type.Object({
  id: Type.String(),
  kind: AlertKind,
  severity: Type.Union([Type.Literal('warning'), Type.Literal('critical')]),
  message: Label,
  at: Instant,
  acknowledged: Type.Boolean(),
  subject: Type.Record(Type.String(), Type.String()),
  resolvedAt: Type.Optional(Instant),
  brand: Type.Optional(Type.String()),
  kpi: Type.Optional(Type.String()),
  grain: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])),
  bucket: Type.Optional(Type.String({ format: 'date-time', description: 'the bucket’s start, ISO UTC' })),
  value: Type.Optional(Nullable(Type.Number())),
  expected: Type.Optional(Type.Number()),
  lo: Type.Optional(Type.Number({ description: 'the band’s low end at the alert’s level' })),
  hi: Type.Optional(Type.Number()),
  direction: Type.Optional(Type.Union([Type.Literal('up'), Type.Literal('down')])),
  impact: Type.Optional(
    Type.Union([Type.Literal('threat'), Type.Literal('opportunity')], {
      description: 'for the own brand and competitors alike: good or bad news for the own brand',
    }),
  ),
  drivers: Type.Optional(Type.Array(AnomalyDriver)),
  rule: Type.Optional(Type.String({ description: 'the alert rule that fired' })),
  objective: Type.Optional(Type.String({ description: 'the objective at risk' })),
  probability: Type.Optional(Type.Number({ description: 'the chance of reaching the objective, 0–1' })),
});
export type Alert = Static<typeof Alert>;

// Fixed parts and prefixed entries together: `unevaluatedProperties` refuses any other key.
const exactly = { unevaluatedProperties: false } as const;

const TilesFixed = Type.Object({ window: TilesWindow });
const TileEntries = Type.Record(Type.TemplateLiteral('tile:${string}'), Tile);
const BenchmarkFixed = Type.Object({
  kpi: Type.String(),
  window: WindowOut,
  previousWindow: WindowOut,
  set: BenchmarkSet,
});
const RowEntries = Type.Record(Type.TemplateLiteral('row:${string}'), BenchmarkRow);
const PointEntries = Type.Record(Type.TemplateLiteral('p:${string}'), SeriesPoint, {
  additionalProperties: false,
});
const QualityFixed = Type.Object({ counters: QualityCounters }, { additionalProperties: false });
const AlertEntries = Type.Record(Type.TemplateLiteral('alert:${string}'), Alert, {
  additionalProperties: false,
});

/** Each topic's data, as a snapshot carries it. */
export const TopicData = {
  tiles: Type.Intersect([TilesFixed, TileEntries], exactly),
  benchmark: Type.Intersect([BenchmarkFixed, RowEntries], exactly),
  series: PointEntries,
  quality: QualityFixed,
  alerts: AlertEntries,
} as const satisfies Record<Topic, TSchema>;

type TopicDataOf = { [T in Topic]: Static<(typeof TopicData)[T]> };
/** A topic's data (`TopicData<'tiles'>` …); without a topic, any topic's. */
export type TopicData<T extends Topic = Topic> = TopicDataOf[T];

/** What a delta of each topic sets: some of the parts of its data. */
export const TopicParts = {
  tiles: Type.Intersect([Type.Partial(TilesFixed), TileEntries], exactly),
  benchmark: Type.Intersect([Type.Partial(BenchmarkFixed), RowEntries], exactly),
  series: PointEntries,
  quality: Type.Partial(QualityFixed),
  alerts: AlertEntries,
} as const satisfies Record<Topic, TSchema>;
