import type { KpiDefinition } from '../../shared/kpis.js';
import { formatChange, formatValue } from '../../shared/format.js';
import type { AlertRule } from '../../shared/schemas/alert-rules.js';
import type { WindowName } from '../../shared/windows.js';
import { frenchTypography } from '../../shared/typography.js';

// The words of a rule alert, in English and French: what the KPI of a brand is, over which window,
// against what, and which rule said so.

type Phrases = { en: string; fr: string };

/** "over the last 24 h", and the comparison with its previous period. */
const WINDOWS: Record<WindowName, { over: Phrases; vs: Phrases }> = {
  '1h': {
    over: { en: 'over the last hour', fr: 'sur la dernière heure' },
    vs: { en: 'vs the hour before', fr: 'par rapport à l’heure précédente' },
  },
  '24h': {
    over: { en: 'over the last 24 h', fr: 'sur les dernières 24 h' },
    vs: { en: 'vs the 24 h before', fr: 'par rapport aux 24 h précédentes' },
  },
  '7d': {
    over: { en: 'over the last 7 days', fr: 'sur les 7 derniers jours' },
    vs: { en: 'vs the 7 days before', fr: 'par rapport aux 7 jours précédents' },
  },
  '28d': {
    over: { en: 'over the last 28 days', fr: 'sur les 28 derniers jours' },
    vs: { en: 'vs the 28 days before', fr: 'par rapport aux 28 jours précédents' },
  },
  '30d': {
    over: { en: 'over the last 30 days', fr: 'sur les 30 derniers jours' },
    vs: { en: 'vs the 30 days before', fr: 'par rapport aux 30 jours précédents' },
  },
  '90d': {
    over: { en: 'over the last 90 days', fr: 'sur les 90 derniers jours' },
    vs: { en: 'vs the 90 days before', fr: 'par rapport aux 90 jours précédents' },
  },
  today: {
    over: { en: 'today', fr: 'aujourd’hui' },
    vs: { en: 'vs yesterday at the same time', fr: 'par rapport à hier à la même heure' },
  },
  wtd: {
    over: { en: 'this week so far', fr: 'depuis le début de la semaine' },
    vs: { en: 'vs last week at the same point', fr: 'par rapport à la semaine dernière au même moment' },
  },
  mtd: {
    over: { en: 'this month so far', fr: 'depuis le début du mois' },
    vs: { en: 'vs last month at the same point', fr: 'par rapport au mois dernier au même moment' },
  },
  qtd: {
    over: { en: 'this quarter so far', fr: 'depuis le début du trimestre' },
    vs: { en: 'vs last quarter at the same point', fr: 'par rapport au trimestre dernier au même moment' },
  },
  ytd: {
    over: { en: 'this year so far', fr: 'depuis le début de l’année' },
    vs: { en: 'vs last year at the same point', fr: 'par rapport à l’an dernier au même moment' },
  },
};

export interface RuleFacts {
  rule: AlertRule;
  kpi: KpiDefinition;
  brandName: string;
  value: number;
  previous: number | null;
  deltaPct: number | null;
}

/**
 * "Share of voice of Belvia: 18.2% over the last 24 h, below 20.0% (rule “SoV floor”)."
 * "Mentions of Belvia fell 25.0% over the last 24 h vs the 24 h before (1,200 → 900), a fall of at
 * least 20.0% (rule “Buzz drop”)."
 */
export function ruleMessage({ rule, kpi, brandName, value, previous, deltaPct }: RuleFacts): Phrases {
  const { over, vs } = WINDOWS[rule.window];
  const c = rule.condition;
  const v = (x: number | null, locale: string) => formatValue(x, kpi.unit, locale);
  if (c.type !== 'change') {
    return {
      en: `${kpi.label.en} of ${brandName}: ${v(value, 'en')} ${over.en}, ${c.type} ${v(c.value, 'en')} (rule “${rule.name}”).`,
      fr: frenchTypography(
        `${kpi.label.fr} de ${brandName} : ${v(value, 'fr')} ${over.fr}, ${c.type === 'above' ? 'au-dessus de' : 'sous'} ${v(c.value, 'fr')} (règle « ${rule.name} »).`,
      ),
    };
  }
  const pct = (fraction: number | null, locale: string) => formatValue(fraction, 'percent', locale);
  const limit = Math.abs(c.percent) / 100;
  const rose = c.percent > 0;
  const moved = deltaPct === null ? null : Math.abs(deltaPct);
  return {
    en: `${kpi.label.en} of ${brandName} ${rose ? 'rose' : 'fell'} ${pct(moved, 'en')} ${over.en} ${vs.en} (${v(previous, 'en')} → ${v(value, 'en')}), a ${rose ? 'rise' : 'fall'} of at least ${pct(limit, 'en')} (rule “${rule.name}”).`,
    fr: frenchTypography(
      `${kpi.label.fr} de ${brandName} : ${formatChange(deltaPct, 'fr')} ${over.fr} ${vs.fr} (${v(previous, 'fr')} → ${v(value, 'fr')}), ${rose ? 'une hausse' : 'une baisse'} d’au moins ${pct(limit, 'fr')} (règle « ${rule.name} »).`,
    ),
  };
}
