// A report's words in English and French: a mail is read outside the app, so it carries its own.
import type { ReportSection } from '../../shared/schemas/reports.js';
import { frenchTypography, typesetFrench } from '../../shared/typography.js';

const en = {
  locale: 'en-GB',
  sections: {
    summary: 'Summary',
    benchmark: 'Benchmark',
    dpi: 'Digital performance index',
    objectives: 'Objectives',
    alerts: 'Alerts',
    forecast: 'Forecast',
    charts: 'Charts',
  } satisfies Record<ReportSection, string>,
  period: (from: string, to: string) => `${from} – ${to}`,
  comparedWith: (from: string, to: string) => `compared with ${from} – ${to}`,
  dataAsOf: (at: string) => `Data as of ${at}`,
  subject: (name: string, period: string) => `${name} · ${period}`,
  warningSubject: (subject: string) => `[Incomplete] ${subject}`,
  warningTitle: 'This report is incomplete',
  openDashboard: 'Open in Convergence',
  unsubscribe: 'Unsubscribe from this report',
  unsubscribeWhy: (name: string) => `You receive “${name}” because you are on its list.`,
  kpi: 'KPI',
  brand: 'Brand',
  value: 'Value',
  previous: 'Previous',
  change: 'Change',
  rank: 'Rank',
  index: 'Index',
  share: 'Share',
  gap: 'Gap to leader',
  leader: 'leader',
  leaderIs: (name: string) => `Leader: ${name}`,
  leaderHidden: 'Leader: outside your view',
  another: 'another brand',
  target: 'Target',
  current: 'So far',
  chance: 'Chance',
  projected: 'Projected',
  periodEnd: 'Ends',
  status: {
    on_track: 'on track',
    at_risk: 'at risk',
    off_track: 'off track',
    no_data: 'no data',
  } as Record<string, string>,
  noAlerts: 'No alerts in this period.',
  drivers: 'Behind it',
  perDay: 'per day',
  nextDays: (n: number) => `next ${n} days`,
  expectedTotal: 'Expected total',
  range80: '80 % range',
  chartAlt: (kpi: string, period: string, lines: string) => `${kpi}, ${period}: ${lines}`,
  outOfScope: 'Not part of your view.',
  sectionFailed: (what: string, why: string) => `${what} could not be read: ${why}`,
  emptySummary: 'The own brand has no value for any KPI of the report although the period has data.',
  emptyBenchmark: 'No brand has a value for the report’s KPIs although the period has data.',
  emptyDpi: 'No brand has a DPI for this period although it has data.',
  emptyObjectives: 'No objective is set for the brands of this report.',
  emptyForecast: 'No forecast could be made for the report’s KPIs.',
  emptyCharts: 'The charts would be blank although the period has data.',
  noDataAtAll:
    'The period holds no data for any KPI of the report: check that its sources are sending (Data quality), or pick another period.',
  failedSubject: (name: string) => `Report “${name}” was not sent`,
  failedIntro: (name: string, at: string) =>
    `The run of “${name}” scheduled for ${at} did not go out as it should.`,
  failedFix:
    'Open the report’s history in Convergence (Reports) for each recipient’s answer, fix the cause and send it again.',
  testNote: 'Test send: only you received this.',
};

export type Words = typeof en;

const fr: Words = typeset({
  locale: 'fr-FR',
  sections: {
    summary: 'Synthèse',
    benchmark: 'Benchmark',
    dpi: 'Indice de performance digitale',
    objectives: 'Objectifs',
    alerts: 'Alertes',
    forecast: 'Prévision',
    charts: 'Graphiques',
  },
  period: (from, to) => `${from} – ${to}`,
  comparedWith: (from, to) => `comparé à ${from} – ${to}`,
  dataAsOf: (at) => `Données à jour au ${at}`,
  subject: (name, period) => `${name} · ${period}`,
  warningSubject: (subject) => `[Incomplet] ${subject}`,
  warningTitle: 'Ce rapport est incomplet',
  openDashboard: 'Ouvrir dans Convergence',
  unsubscribe: 'Se désabonner de ce rapport',
  unsubscribeWhy: (name) => `Vous recevez « ${name} » car vous figurez sur sa liste.`,
  kpi: 'KPI',
  brand: 'Marque',
  value: 'Valeur',
  previous: 'Précédent',
  change: 'Évolution',
  rank: 'Rang',
  index: 'Indice',
  share: 'Part',
  gap: 'Écart au leader',
  leader: 'leader',
  leaderIs: (name) => `Leader : ${name}`,
  leaderHidden: 'Leader : hors de votre périmètre',
  another: 'une autre marque',
  target: 'Cible',
  current: 'À ce jour',
  chance: 'Probabilité',
  projected: 'Projeté',
  periodEnd: 'Fin',
  status: { on_track: 'en bonne voie', at_risk: 'à risque', off_track: 'en retard', no_data: 'sans données' },
  noAlerts: 'Aucune alerte sur la période.',
  drivers: 'Causes',
  perDay: 'par jour',
  nextDays: (n) => `${n} prochains jours`,
  expectedTotal: 'Total attendu',
  range80: 'Intervalle à 80 %',
  chartAlt: (kpi, period, lines) => `${kpi}, ${period} : ${lines}`,
  outOfScope: 'Hors de votre périmètre.',
  sectionFailed: (what, why) => `${what} n’a pas pu être lu : ${why}`,
  emptySummary: 'La marque n’a de valeur pour aucun KPI du rapport alors que la période a des données.',
  emptyBenchmark: 'Aucune marque n’a de valeur pour les KPI du rapport alors que la période a des données.',
  emptyDpi: 'Aucune marque n’a de DPI sur la période alors qu’elle a des données.',
  emptyObjectives: 'Aucun objectif n’est fixé pour les marques de ce rapport.',
  emptyForecast: 'Aucune prévision n’a pu être faite pour les KPI du rapport.',
  emptyCharts: 'Les graphiques seraient vides alors que la période a des données.',
  noDataAtAll:
    'La période ne contient aucune donnée pour les KPI du rapport : vérifiez que ses sources envoient (Qualité des données), ou choisissez une autre période.',
  failedSubject: (name) => `Le rapport « ${name} » n’a pas été envoyé`,
  failedIntro: (name, at) => `L’envoi de « ${name} » prévu le ${at} ne s’est pas passé comme prévu.`,
  failedFix:
    'Ouvrez l’historique du rapport dans Convergence (Rapports) pour la réponse de chaque destinataire, corrigez la cause et renvoyez-le.',
  testNote: 'Envoi de test : vous seul l’avez reçu.',
});

/** French spacing for the fixed words and for what the phrase-makers return. */
function typeset(messages: Words): Words {
  const out = typesetFrench(messages) as Record<string, unknown>;
  for (const [key, value] of Object.entries(out)) {
    if (typeof value === 'function') {
      const make = value as (...args: unknown[]) => string;
      out[key] = (...args: unknown[]) => frenchTypography(make(...args));
    }
  }
  return out as Words;
}

export const words = (language: 'en' | 'fr'): Words => (language === 'fr' ? fr : en);
