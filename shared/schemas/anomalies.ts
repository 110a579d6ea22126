import { Type, type Static } from 'typebox';
import { IdText, TimeText } from './text.js';

export const AnomalyQuery = Type.Object({
  kpi: IdText({ description: 'a KPI of the catalogue' }),
  brand: Type.Optional(IdText({ description: 'default: the own brand' })),
  grain: Type.Union([Type.Literal('hour'), Type.Literal('day')], { default: 'hour' }),
  from: Type.Optional(
    TimeText({ description: 'ISO 8601; default: 28 days (hour) or a year (day) before `to`' }),
  ),
  to: Type.Optional(TimeText({ description: 'ISO 8601; default: now' })),
});
export type AnomalyQuery = Static<typeof AnomalyQuery>;

/** A bucket the detector flags (or would have flagged), judged only with the data before it. */
export const AnomalyRow = Type.Object(
  {
    brand: Type.String(),
    kpi: Type.String(),
    bucket: Type.String({ format: 'date-time', description: 'the bucket’s start, ISO UTC' }),
    value: Type.Number(),
    expected: Type.Number(),
    lo: Type.Number({ description: 'the band’s low end at the workspace’s level (95 % by default)' }),
    hi: Type.Number(),
    score: Type.Number({
      description:
        'how far outside the band: the distance past its edge in half-widths of the band (0 at the edge)',
    }),
    direction: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  },
  { additionalProperties: false },
);
export type AnomalyRow = Static<typeof AnomalyRow>;

export const AnomalyHistory = Type.Object({
  complete: Type.Boolean({
    description: 'false while the history is still being computed: ask again later for the rest',
  }),
  rows: Type.Array(AnomalyRow),
});
export type AnomalyHistory = Static<typeof AnomalyHistory>;
