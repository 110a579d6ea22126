import { Type, type Static } from 'typebox';
import { IdText, ListText } from './text.js';

export const GRAINS = ['minute', 'hour', 'day'] as const;
export type Grain = (typeof GRAINS)[number];

export const SeriesQuery = Type.Object({
  metric: IdText({ description: 'metric id' }),
  brand: Type.Optional(ListText({ description: 'comma-separated brand ids; all brands when absent' })),
  touchpoint: Type.Optional(ListText({ description: 'comma-separated touchpoints' })),
  source: Type.Optional(ListText({ description: 'comma-separated sources' })),
  grain: Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], { default: 'hour' }),
  from: Type.String({ format: 'date-time', description: 'inclusive start, ISO 8601' }),
  to: Type.String({ format: 'date-time', description: 'exclusive end, ISO 8601' }),
});
export type SeriesQuery = Static<typeof SeriesQuery>;

export const SeriesRow = Type.Object({
  bucket: Type.String({
    description: 'start of the bucket, ISO 8601 (day buckets: local midnight with the workspace offset)',
  }),
  sum: Type.Number(),
  count: Type.Integer(),
  min: Type.Number(),
  max: Type.Number(),
  last: Type.Union([Type.Number(), Type.Null()], {
    description:
      'gauges: the value as of the bucket end (per source its latest value so far, also from before the window), combined across sources as the metric says (sum or mean); null for counters',
  }),
  provisional: Type.Optional(
    Type.Boolean({
      description:
        'true on the bucket holding now, still filling (absent on closed ones); no row comes after it',
    }),
  ),
});
export type SeriesRow = Static<typeof SeriesRow>;

export const SeriesResult = Type.Object({ rows: Type.Array(SeriesRow) });
export type SeriesResult = Static<typeof SeriesResult>;
