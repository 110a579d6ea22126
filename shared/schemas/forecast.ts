import { Type, type Static } from 'typebox';
import { Nullable } from './nullable.js';
import { IdText } from './text.js';

export const ForecastParams = Type.Object({
  workspace: IdText(),
  kpi: IdText(),
});

export const ForecastQuery = Type.Object({
  brand: Type.Optional(IdText({ description: 'default: the own brand' })),
  grain: Type.Union([Type.Literal('hour'), Type.Literal('day')], { default: 'hour' }),
  horizon: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 168, description: 'buckets ahead: default 24 (hour) or 14 (day)' }),
  ),
});
export type ForecastQuery = Static<typeof ForecastQuery>;

export const ForecastPoint = Type.Object({
  bucket: Type.String({ format: 'date-time', description: 'the bucket’s start, ISO UTC' }),
  mean: Type.Number(),
  lo80: Type.Number(),
  hi80: Type.Number(),
  lo95: Type.Number(),
  hi95: Type.Number(),
});
export type ForecastPoint = Static<typeof ForecastPoint>;

export const KpiForecast = Type.Object({
  kpi: Type.String(),
  brand: Type.String(),
  grain: Type.String(),
  model: Type.String({
    description: 'mstl-log+snaive, mstl+snaive, seasonal-naive, theta or naive2 (too little history)',
  }),
  fittedAt: Type.String({ format: 'date-time' }),
  history: Type.Integer({ description: 'buckets of history the model was fitted on' }),
  backtest: Type.Union(
    [
      Type.Object({
        mase: Nullable(
          Type.Number({ description: 'of the model over the backtest origins; null for a flat history' }),
        ),
        coverage95: Nullable(Type.Number({ description: 'share of backtest outcomes inside the 95 % band' })),
      }),
      Type.Null(),
    ],
    { description: 'null when the history is too short for a backtest' },
  ),
  points: Type.Array(ForecastPoint),
});
export type KpiForecast = Static<typeof KpiForecast>;
