import { Type, type Static } from 'typebox';

export const MetricInput = Type.Object({
  kind: Type.Union([Type.Literal('counter'), Type.Literal('gauge')]),
  unit: Type.Optional(Type.String({ default: 'count' })),
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
  label: Type.Optional(Type.Object({ en: Type.String(), fr: Type.String() })),
});
export type MetricInput = Static<typeof MetricInput>;

export const MetricParams = Type.Object({
  workspace: Type.String(),
  id: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', description: 'metric id: [a-z][a-z0-9_]{0,63}' }),
});
