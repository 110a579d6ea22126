// A workspace's own metric as stored (workspace_metrics.definition): shared/vocabulary.ts's
// MetricDefinition, as PUT …/metrics/{id} completes a MetricInput.
import { Type, type Static } from 'typebox';
import { MetricInput } from './metrics.js';

export const MetricDefinition = Type.Object({
  id: Type.String(),
  kind: MetricInput.properties.kind,
  // Any id the API took (MetricInput.unit), not only the vocabulary's units.
  unit: Type.String(),
  touchpoints: MetricInput.properties.touchpoints,
  combine: MetricInput.properties.combine,
  label: Type.Object({ en: Type.String(), fr: Type.String() }),
});
export type MetricDefinition = Static<typeof MetricDefinition>;
