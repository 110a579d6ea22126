import type { KpiDefinition } from '../../shared/kpis.js';
import type { AnomalyDriver } from '../../shared/schemas/live-data.js';
import { DAY, HOUR } from '../../shared/time.js';
import type { RollupService } from '../rollups/service.js';

/** How each series of a metric moves the KPI of a brand: +1 with it, −1 against it. */
type Role = { metric: string; own: 1 | -1; others: 1 | -1 | 0 };

function rolesOf(kpi: KpiDefinition): Role[] {
  const f = kpi.formula;
  switch (f.kind) {
    case 'sum':
      return [{ metric: f.metric, own: 1, others: 0 }];
    case 'ratio':
      return [{ metric: f.numerator, own: 1, others: 0 }];
    case 'net':
      return [
        { metric: f.positive, own: 1, others: 0 },
        { metric: f.negative, own: -1, others: 0 },
      ];
    // A share rises with the brand's volume and falls with its rivals'.
    case 'share':
      return [{ metric: f.metric, own: 1, others: -1 }];
    default:
      return [];
  }
}

const BASELINE_DAYS = 7;
const MAX_DRIVERS = 5;
const MIN_SHARE = 0.05;

/**
 * The sources and touchpoints (and, for a share, the brands) that account for most of a bucket's
 * deviation: each series against its own mean at the same time of day over the week before, the
 * moves that push the KPI the way it went, as shares of their total. KPIs that are not sums,
 * ratios, nets or shares of raw metrics (levels, growth, the DPI, custom formulas) have none.
 */
export async function driversOf(
  rollups: RollupService,
  ws: number,
  kpi: KpiDefinition,
  brand: string,
  bucket: { fromMs: number; toMs: number },
  direction: 'up' | 'down',
): Promise<AnomalyDriver[]> {
  const roles = rolesOf(kpi);
  if (roles.length === 0) return [];
  const keys = rollups.seriesKeys(ws);
  const ids = rollups.matchingSeries(ws, {
    metric: roles.map((r) => r.metric),
    touchpoint: kpi.touchpoints,
  });
  const fromHour = Math.floor(bucket.fromMs / HOUR) * HOUR;
  const hours = Math.max(1, Math.round((bucket.toMs - fromHour) / HOUR));
  const start = fromHour - BASELINE_DAYS * DAY;
  const sums = await rollups.hourlySums(ws, start, fromHour + hours * HOUR, ids);
  const total = (slots: Float64Array, at: number) => {
    let s = 0;
    for (let h = 0; h < hours; h++) {
      const v = slots[at + h]!;
      if (!Number.isNaN(v)) s += v;
    }
    return s;
  };
  const sign = direction === 'up' ? 1 : -1;
  const moves = new Map<string, AnomalyDriver & { move: number }>();
  for (const id of ids) {
    const key = keys.get(id)!;
    const role = roles.find((r) => r.metric === key.metric)!;
    const weight = key.brand === brand ? role.own : role.others;
    if (weight === 0) continue;
    const slots = sums.get(id)!;
    const now = total(slots, (BASELINE_DAYS * DAY) / HOUR);
    let before = 0;
    for (let d = 0; d < BASELINE_DAYS; d++) before += total(slots, (d * DAY) / HOUR);
    const move = sign * weight * (now - before / BASELINE_DAYS);
    const name = `${key.source}\u0000${key.touchpoint}\u0000${role.others ? key.brand : ''}`;
    const driver = moves.get(name) ?? {
      source: key.source,
      touchpoint: key.touchpoint,
      ...(role.others ? { brand: key.brand } : {}),
      share: 0,
      move: 0,
    };
    driver.move += move;
    moves.set(name, driver);
  }
  const pushing = [...moves.values()].filter((d) => d.move > 0);
  const sum = pushing.reduce((s, d) => s + d.move, 0);
  if (sum <= 0) return [];
  return pushing
    .map(({ move, ...d }) => ({ ...d, share: move / sum }))
    .filter((d) => d.share >= MIN_SHARE)
    .sort((a, b) => b.share - a.share)
    .slice(0, MAX_DRIVERS);
}
