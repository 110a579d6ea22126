// A workspace's own KPI as stored (custom_kpis.definition): the catalogue's KpiDefinition with a
// formula in the formula language, its parsed tree kept so that a start does not parse it again.
import { Type, type Static } from 'typebox';
import { KpiDirection, KpiUnit } from './kpi.js';

const Touchpoint = Type.Union([
  Type.Literal('search'),
  Type.Literal('site'),
  Type.Literal('social'),
  Type.Literal('media'),
  Type.Literal('viral'),
]);

/** shared/formula.ts's FormulaNode. */
export const FormulaNode = Type.Cyclic(
  {
    FormulaNode: Type.Union([
      Type.Object({ type: Type.Literal('number'), value: Type.Number() }),
      Type.Object({
        type: Type.Literal('aggregate'),
        fn: Type.Union([Type.Literal('sum'), Type.Literal('last')]),
        metric: Type.String(),
        where: Type.Array(
          Type.Object({
            field: Type.Union([Type.Literal('source'), Type.Literal('touchpoint')]),
            value: Type.String(),
          }),
        ),
      }),
      Type.Object({ type: Type.Literal('negate'), operand: Type.Ref('FormulaNode') }),
      Type.Object({
        type: Type.Literal('binary'),
        op: Type.Union([Type.Literal('+'), Type.Literal('-'), Type.Literal('*'), Type.Literal('/')]),
        left: Type.Ref('FormulaNode'),
        right: Type.Ref('FormulaNode'),
      }),
    ]),
  },
  'FormulaNode',
);

export const CustomKpiDefinition = Type.Object({
  id: Type.String(),
  label: Type.Object({ en: Type.String(), fr: Type.String() }),
  touchpoints: Type.Array(Touchpoint, { minItems: 1 }),
  group: Touchpoint,
  formula: Type.Object({ kind: Type.Literal('custom'), text: Type.String(), tree: FormulaNode }),
  unit: KpiUnit,
  direction: KpiDirection,
  shareable: Type.Boolean(),
});
export type CustomKpiDefinition = Static<typeof CustomKpiDefinition>;
