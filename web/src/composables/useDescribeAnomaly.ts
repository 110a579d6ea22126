// The words of an anomaly mark's tooltip, in the page's language and the workspace's time zone.
import { toValue, type MaybeRefOrGetter } from 'vue';
import { useI18n } from 'vue-i18n';
import type { Unit } from '../../../shared/format.js';
import { IMPACT_ICONS, type AnomalyMark } from '../charts/anomalies.js';
import { useFormat } from '../i18n.js';
import { useWorkspace } from './useWorkspace.js';

/** The tooltip of a mark: what, who and when; the value against its band; what it means. */
export function useDescribeAnomaly(
  unit: MaybeRefOrGetter<string>,
  grain: MaybeRefOrGetter<'hour' | 'day'>,
): (mark: AnomalyMark) => string {
  const { t } = useI18n();
  const format = useFormat();
  const ws = useWorkspace();
  return (m) => {
    const u = toValue(unit) as Unit;
    const v = (x: number | null) => format.value(x, u);
    const when = format.date(m.bucket, toValue(grain), ws.workspace.value?.timezone);
    const band = t('anomalies.expected', { value: v(m.expected), lo: v(m.lo), hi: v(m.hi) });
    const impact = m.impact ? `${IMPACT_ICONS[m.impact]} ${t(`alerts.impact.${m.impact}`)} · ` : '';
    return [
      `${t('anomalies.title')} · ${ws.brandName(m.brand)} · ${when}`,
      `${v(m.value)} (${band})`,
      `${impact}${t(m.resolved ? 'anomalies.resolved' : 'anomalies.ongoing')}`,
    ].join('\n');
  };
}
