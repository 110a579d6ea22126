// The objectives a new demo market starts with, so that the Objectives page shows what it is for on
// the first start: a volume goal a little ahead of the current pace, a share the brand holds, and a
// sentiment goal that needs a better month. Targets come from what the backfilled history says,
// read through the KPI service like any other reader, so they stay plausible whatever the seed.
import type { FastifyBaseLogger } from 'fastify';
import type { ObjectiveInput } from '../../shared/schemas/objectives.js';
import { DAY, floorTo, HOUR } from '../../shared/time.js';
import type { KpiService } from '../kpi/service.js';
import type { ObjectiveService } from '../objectives/service.js';
import type { WorkspaceState } from '../workspaces/service.js';

interface DemoObjective {
  id: string;
  kpi: string;
  period: ObjectiveInput['period'];
  direction: ObjectiveInput['direction'];
  /** The target from the recent value (a total over `days` for counts, a level for ratios). */
  target: (recent: number, days: number) => number;
}

const QUARTER_DAYS = 91;

export const DEMO_OBJECTIVES: readonly DemoObjective[] = [
  {
    // 8 % above the recent pace: reachable, and watched.
    id: 'quarter-mentions',
    kpi: 'mentions',
    period: { calendar: 'quarter' },
    direction: 'at_least',
    target: (recent, days) => roundTo2Digits((recent / days) * QUARTER_DAYS * 1.08),
  },
  {
    id: 'quarter-share-of-search',
    kpi: 'share_of_search',
    period: { calendar: 'quarter' },
    direction: 'at_least',
    target: (recent) => Math.floor((recent - 0.02) * 100) / 100,
  },
  {
    id: 'month-net-sentiment',
    kpi: 'net_sentiment',
    period: { calendar: 'month' },
    direction: 'at_least',
    target: (recent) => Math.round((recent + 0.06) * 100) / 100,
  },
];

/** 123 456 → 120 000: a target a person would set. */
function roundTo2Digits(value: number): number {
  if (value <= 0) return 0;
  const step = 10 ** Math.max(0, Math.floor(Math.log10(value)) - 1);
  return Math.round(value / step) * step;
}

/**
 * Stores the demo's objectives in a workspace that has none, from the last `historyDays` days (four
 * weeks at most); one whose KPI has no value yet is left out.
 */
export async function addDemoObjectives(
  services: { kpis: KpiService; objectives: ObjectiveService; log: FastifyBaseLogger },
  workspace: WorkspaceState,
  nowMs: number,
  historyDays: number,
): Promise<string[]> {
  // Read as stored: listing them would fit a forecast per objective only to count them.
  if (await services.objectives.any(workspace)) return [];
  const days = Math.min(28, historyDays);
  // The backfill ends at the last full hour: the history, not the first minutes of the stream.
  const end = floorTo(nowMs, HOUR);
  const window = { fromMs: end - days * DAY, toMs: end };
  const previous = { fromMs: end - 2 * days * DAY, toMs: window.fromMs };
  const added: string[] = [];
  for (const objective of DEMO_OBJECTIVES) {
    const { value } = await services.kpis.value(workspace, objective.kpi, { window, previous });
    if (value === null) {
      services.log.warn({ kpi: objective.kpi }, 'demo market: no history for an objective; left out');
      continue;
    }
    await services.objectives.put(workspace, objective.id, {
      kpi: objective.kpi,
      period: objective.period,
      direction: objective.direction,
      target: objective.target(value, days),
    });
    added.push(objective.id);
  }
  return added;
}
