import { describe, expect, it } from 'vitest';
import { formulaMetrics, KPIS } from '../../shared/kpis.js';
import { isMetricValidFor, METRICS_BY_ID } from '../../shared/vocabulary.js';

describe('the KPI catalogue', () => {
  it('has the KPIs the product promises, each reading metrics valid where it reads them', () => {
    expect(KPIS.map((k) => k.id)).toEqual(
      expect.arrayContaining([
        'impressions',
        'clicks',
        'ctr',
        'avg_position',
        'share_of_search',
        'visits',
        'conversions',
        'conversion_rate',
        'bounce_rate',
        'app_downloads',
        'app_rating',
        'followers',
        'follower_growth',
        'engagements',
        'engagement_rate',
        'share_of_engagement',
        'mentions',
        'share_of_voice',
        'net_sentiment',
        'potential_reach',
        'views',
        'shares',
        'virality_rate',
        'share_of_views',
      ]),
    );
    for (const kpi of KPIS) {
      for (const id of formulaMetrics(kpi.formula)) {
        const metric = METRICS_BY_ID.get(id);
        expect(metric, `${kpi.id} reads ${id}`).toBeDefined();
        expect(
          kpi.touchpoints.some((t) => isMetricValidFor(metric!, t)),
          `${kpi.id}: ${id} on ${kpi.touchpoints}`,
        ).toBe(true);
        if (kpi.formula.kind === 'level' || kpi.formula.kind === 'growth') expect(metric!.kind).toBe('gauge');
        else expect(metric!.kind).toBe('counter');
      }
    }
  });

  it('marks lower-is-better KPIs and keeps shares to totals', () => {
    const lower = KPIS.filter((k) => k.direction === 'lower').map((k) => k.id);
    expect(lower.sort()).toEqual(['avg_position', 'bounce_rate']);
    expect(KPIS.find((k) => k.id === 'ctr')!.shareable).toBe(false);
    expect(KPIS.find((k) => k.id === 'mentions')!.shareable).toBe(true);
  });
});
