// The plain-text part of a report mail (clients that show no HTML, screen readers, previews), and
// what the HTML and text renderers share: the words, number formats, subject line and links.
import type { ReportDocument, SectionBody } from './document.js';
import type { Numbers } from './numbers.js';
import type { Words } from './words.js';

export interface MailText {
  say: Words;
  numbers: Numbers;
  subject: string;
  period: string;
  comparedWith: string;
  asOf: string;
  dashboardUrl: string;
  unsubscribeUrl: string;
  /** The charts' content ids and alt text, in the order of the charts section. */
  charts: { cid: string; alt: string }[];
  /** How many brands ranks are out of. */
  setSize: number;
  /** A test send to one address. */
  test: boolean;
}

export function sectionText(body: SectionBody, w: MailText): string[] {
  const f = w.numbers;
  const say = w.say;
  switch (body.section) {
    case 'summary':
      return body.rows.map(
        (r) =>
          `- ${r.kpi.label}: ${f.value(r.value, r.kpi.unit)}  ${f.delta(r.delta, r.deltaPct, r.kpi).text}  ${say.rank} ${f.rank(r.rank, w.setSize)}`,
      );
    case 'benchmark':
    case 'dpi': {
      const tables = body.section === 'dpi' ? [body.table] : body.tables;
      return tables.flatMap((t) => [
        `${t.kpi.label}`,
        ...t.rows.map(
          (r) =>
            `  ${f.rank(r.rank, t.setSize)}  ${r.name}: ${f.value(r.value, t.kpi.unit)}  ${f.delta(r.delta, r.deltaPct, t.kpi).text}  ${say.index} ${f.index(r.index)}`,
        ),
        ...(t.leader === null
          ? []
          : [`  ${t.leader === 'hidden' ? say.leaderHidden : say.leaderIs(t.leader.name)}`]),
      ]);
    }
    case 'objectives':
      return body.rows.map(
        (o) =>
          `- ${o.kpi.label} (${o.brand}): ${say.target} ${o.direction === 'at_least' ? '≥' : '≤'} ${f.value(o.target, o.kpi.unit)}, ${say.current} ${f.value(o.current, o.kpi.unit)}, ${say.projected} ${f.range(o.projected, o.lo80, o.hi80, o.kpi.unit)}, ${say.chance} ${f.percent(o.probability)} (${say.status[o.status] ?? o.status})`,
      );
    case 'alerts':
      if (body.rows.length === 0) return [say.noAlerts];
      return body.rows.map(
        (a) =>
          `- ${f.dateTime(a.at)}: ${a.message}${a.drivers.length ? ` (${say.drivers}: ${a.drivers.map((d) => `${d.what} ${f.percent(d.share)}`).join(', ')})` : ''}`,
      );
    case 'forecast':
      return body.rows.map(
        (r) =>
          `- ${r.kpi.label}, ${say.nextDays(r.days)}: ${f.value(r.mean, r.kpi.unit)}${r.total === null ? '' : ` ${say.perDay}`} (${say.range80} ${f.range(null, r.lo80, r.hi80, r.kpi.unit)})${r.total === null ? '' : `, ${say.expectedTotal} ${f.value(r.total, r.kpi.unit)}`}`,
      );
    case 'charts':
      return w.charts.map((c) => `- ${c.alt}`);
  }
}

export function renderText(doc: ReportDocument, w: MailText): string {
  const say = w.say;
  const lines = [`${doc.report.name} · ${doc.workspace.name}`, w.period, `${w.comparedWith} · ${w.asOf}`, ''];
  if (w.test) lines.push(say.testNote, '');
  if (doc.problems.length) {
    lines.push(
      `${say.warningTitle}:`,
      ...doc.problems.map((p) => `- ${say.sections[p.section]}: ${p.message}`),
      '',
    );
  }
  for (const body of doc.sections) {
    lines.push(say.sections[body.section].toUpperCase(), ...sectionText(body, w), '');
  }
  if (doc.outOfScope.length) {
    lines.push(`${doc.outOfScope.map((s) => say.sections[s]).join(', ')}: ${say.outOfScope}`, '');
  }
  lines.push(
    `${say.openDashboard}: ${w.dashboardUrl}`,
    '',
    `${say.unsubscribeWhy(doc.report.name)}`,
    `${say.unsubscribe}: ${w.unsubscribeUrl}`,
  );
  return lines.join('\n');
}
