import { dpiGroup, type KpiDefinition } from '../../shared/kpis.js';
import { aggregatesOf, FormulaError, type FormulaNode, parseFormula } from '../../shared/formula.js';
import type { CustomKpiInput } from '../../shared/schemas/kpi.js';
import type { Touchpoint } from '../../shared/vocabulary.js';
import { faults } from '../errors.js';
import { metricOf, type WorkspaceState } from '../workspaces/service.js';

/**
 * A workspace KPI from its formula: parsed, its metrics checked against the workspace (sum() reads
 * counters, last() reads gauges), its touchpoints those of the metrics it reads.
 */
export function customKpi(workspace: WorkspaceState, id: string, input: CustomKpiInput): KpiDefinition {
  let tree: FormulaNode;
  try {
    tree = parseFormula(input.formula);
  } catch (error) {
    if (!(error instanceof FormulaError)) throw error;
    throw faults.invalid(
      'invalid_formula',
      `The formula does not parse: ${error.message}.`,
      'Write aggregates such as sum(clicks), last(followers) or sum(mentions where source = "press"), with + - * / and parentheses.',
    );
  }
  const touchpoints = new Set<Touchpoint>();
  for (const node of aggregatesOf(tree)) {
    const metric = metricOf(workspace, node.metric);
    if (!metric) {
      throw faults.invalid(
        'invalid_formula',
        `The formula reads metric "${node.metric}", which workspace "${workspace.id}" does not know.`,
        `GET /api/v1/workspaces/${workspace.id}/metrics lists its metrics; PUT …/metrics/{id} declares one.`,
      );
    }
    if ((node.fn === 'last') !== (metric.kind === 'gauge')) {
      throw faults.invalid(
        'invalid_formula',
        `${node.fn}(${node.metric}) does not fit: "${node.metric}" is a ${metric.kind}.`,
        'Use sum() for counters and last() for gauges (levels such as followers).',
      );
    }
    const where = node.where.find((w) => w.field === 'touchpoint')?.value;
    for (const t of metric.touchpoints) if (!where || where === t) touchpoints.add(t);
  }
  return {
    id,
    label: { en: input.label, fr: input.label },
    touchpoints: [...(touchpoints.size > 0 ? touchpoints : new Set<Touchpoint>(['media']))],
    group: dpiGroup([...touchpoints]),
    formula: { kind: 'custom', text: input.formula, tree },
    unit: input.unit,
    direction: input.direction,
    shareable: false,
  };
}
