import { Type, type Static } from 'typebox';
import { IdText, TimeText } from './text.js';
import { Nullable } from './nullable.js';

export const ObjectiveInput = Type.Object({
  kpi: IdText(),
  brand: Type.Optional(IdText({ description: 'default: the own brand' })),
  period: Type.Union([
    Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) }),
    Type.Object({
      calendar: Type.Union([Type.Literal('month'), Type.Literal('quarter'), Type.Literal('year')], {
        description: 'the current calendar month, quarter or year of the workspace time zone',
      }),
    }),
  ]),
  target: Type.Number(),
  direction: Type.Union([Type.Literal('at_least'), Type.Literal('at_most')]),
});
export type ObjectiveInput = Static<typeof ObjectiveInput>;

export const Objective = Type.Object({
  id: Type.String(),
  kpi: Type.String(),
  brand: Type.String(),
  period: ObjectiveInput.properties.period,
  target: Type.Number(),
  direction: Type.Union([Type.Literal('at_least'), Type.Literal('at_most')]),
});
export type Objective = Static<typeof Objective>;

export const ObjectiveProgress = Type.Object({
  ...Objective.properties,
  window: Type.Object({ from: Type.String(), to: Type.String() }),
  current: Nullable(Type.Number({ description: 'the KPI from the period start to now' })),
  percentOfTarget: Nullable(Type.Number({ description: 'current / target, a fraction' })),
  expected: Nullable(
    Type.Number({
      description:
        'where a linear path from the start to the target stands now: counters accumulate from 0; other KPIs move from their value at the start',
    }),
  ),
  status: Type.Union(
    [Type.Literal('on_track'), Type.Literal('at_risk'), Type.Literal('off_track'), Type.Literal('no_data')],
    {
      description:
        'on_track: current is at or beyond expected; at_risk: short of it by at most 10 % of expected; off_track: further behind; no_data: the KPI has no value yet',
    },
  ),
  elapsed: Type.Number({ description: 'share of the period gone, 0–1' }),
  timeLeftMs: Type.Integer(),
});
export type ObjectiveProgress = Static<typeof ObjectiveProgress>;

export const ObjectiveList = Type.Object({ rows: Type.Array(ObjectiveProgress) });
export type ObjectiveList = Static<typeof ObjectiveList>;

export const ObjectiveParams = Type.Object({
  workspace: IdText(),
  id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
});
export const ObjectiveListQuery = Type.Object({
  at: Type.Optional(TimeText({ description: '"now" (ISO 8601); the clock by default' })),
});
