import { ID_PATTERN } from '../vocabulary.js';
import { Type, type Static } from 'typebox';
import { IdText, TimeText } from './text.js';
import { Nullable } from './nullable.js';

/** Below this chance of reaching the target (unless the objective says otherwise), it is at risk. */
export const DEFAULT_RISK_THRESHOLD = 0.5;

const RiskThreshold = (options: { default?: number } = {}) =>
  Type.Number({
    minimum: 0,
    maximum: 1,
    description:
      'an `objective_at_risk` alert is raised when the chance of reaching the target falls below it (0–1; default 0.5)',
    ...options,
  });

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
  riskThreshold: Type.Optional(RiskThreshold({ default: DEFAULT_RISK_THRESHOLD })),
});
export type ObjectiveInput = Static<typeof ObjectiveInput>;

export const Objective = Type.Object({
  id: Type.String(),
  kpi: Type.String(),
  brand: Type.String(),
  period: ObjectiveInput.properties.period,
  target: Type.Number(),
  direction: Type.Union([Type.Literal('at_least'), Type.Literal('at_most')]),
  riskThreshold: RiskThreshold(),
});
export type Objective = Static<typeof Objective>;

/** An objective as stored: those stored before the threshold existed read as the default. */
export const StoredObjective = Type.Object({
  ...Objective.properties,
  riskThreshold: Type.Optional(RiskThreshold()),
});

export const ObjectiveProjection = Type.Object(
  {
    probability: Type.Number({
      minimum: 0,
      maximum: 1,
      description:
        'the chance that the KPI meets the target at the period end (at least, or at most, as `direction` says); 1 or 0 once the period is over',
    }),
    projected: Type.Number({
      description:
        'the expected KPI value at the period end: for counters, the value so far plus the forecast of what is left; for other KPIs, the forecast of the last bucket before the end',
    }),
    lo80: Type.Number({ description: 'the low end of the 80 % range of that value' }),
    hi80: Type.Number({ description: 'the high end of the 80 % range of that value' }),
    grain: Nullable(
      Type.Union([Type.Literal('hour'), Type.Literal('day')], {
        description:
          'the forecast it came from: hourly when the period ends within 7 days (and there are 2 days of history), else daily; null once the period is over',
      }),
    ),
    reason: Type.Optional(
      Type.Literal('ended', {
        description: 'the period is over: the actual value decides (probability 1 or 0), no forecast',
      }),
    ),
  },
  {
    description:
      'Where the forecast says the objective will end. null when no forecast reaches the period end: too little history (an hourly forecast needs 2 days of it and reaches 7 days ahead, a daily one needs 14 days and reaches 168 days ahead), no value yet, or `at=` not in the hour (or day) under way, since forecasts start from now.',
  },
);
export type ObjectiveProjection = Static<typeof ObjectiveProjection>;

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
  projection: Nullable(ObjectiveProjection),
});
export type ObjectiveProgress = Static<typeof ObjectiveProgress>;

export const ObjectiveList = Type.Object({ rows: Type.Array(ObjectiveProgress) });
export type ObjectiveList = Static<typeof ObjectiveList>;

export const ObjectiveParams = Type.Object({
  workspace: IdText(),
  id: Type.String({ pattern: ID_PATTERN }),
});
export const ObjectiveListQuery = Type.Object({
  at: Type.Optional(TimeText({ description: '"now" (ISO 8601); the clock by default' })),
});
