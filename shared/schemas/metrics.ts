import { Type, type Static } from 'typebox';
import { IdText } from './text.js';

export const MetricInput = Type.Object({
  kind: Type.Union([Type.Literal('counter'), Type.Literal('gauge')]),
  unit: Type.Optional(IdText({ default: 'count' })),
  touchpoints: Type.Array(
    Type.Union([
      Type.Literal('search'),
      Type.Literal('site'),
      Type.Literal('social'),
      Type.Literal('media'),
      Type.Literal('viral'),
    ]),
    { minItems: 1 },
  ),
  combine: Type.Optional(
    Type.Union([Type.Literal('sum'), Type.Literal('mean')], {
      description: 'gauges: how sources combine (default sum)',
    }),
  ),
  label: Type.Optional(
    Type.Object({ en: Type.String({ maxLength: 200 }), fr: Type.String({ maxLength: 200 }) }),
  ),
});
export type MetricInput = Static<typeof MetricInput>;

export const MetricParams = Type.Object({
  workspace: IdText(),
  id: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'metric id: [a-z][a-z0-9_]{0,63}' }),
});
