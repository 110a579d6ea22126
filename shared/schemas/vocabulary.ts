import { Type, type Static } from 'typebox';

export const MetricInfo = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('counter'), Type.Literal('gauge')]),
  unit: Type.String(),
  touchpoints: Type.Array(Type.String()),
  combine: Type.Optional(Type.Union([Type.Literal('sum'), Type.Literal('mean')])),
  label: Type.Object({ en: Type.String(), fr: Type.String() }),
});

export const Vocabulary = Type.Object({
  touchpoints: Type.Array(
    Type.Object({
      id: Type.String(),
      knownSources: Type.Array(Type.String(), {
        description: 'sources known by name; any other matching sourcePattern is accepted too',
      }),
      metrics: Type.Array(Type.String()),
    }),
  ),
  sourcePattern: Type.String(),
  metrics: Type.Array(MetricInfo),
});
export type Vocabulary = Static<typeof Vocabulary>;
