// A report as mail clients show it: a 640 px table layout with inline styles only (Gmail and
// Outlook drop <style> blocks and scripts), charts as <img src="cid:…"> with their alt text.
import type { BenchmarkRow } from '../../shared/schemas/kpi.js';
import type { ReportDocument, SectionBody, BenchmarkTable } from './document.js';
import type { MailText } from './text.js';
import type { Figure } from './numbers.js';
import { escapeHtml } from '../../shared/escape-html.js';

const INK = '#1d2430';
const MUTED = '#5c6677';
const LINE = '#e3e7ee';
const ACCENT = '#ff7a1a';
const GOOD = '#0f8a5f';
const BAD = '#c92a2a';
const FONT = "font-family:'Segoe UI',Helvetica,Arial,sans-serif";

// Tight padding: six columns must fit a phone's 360 px without scrolling sideways.
const cell = (text: string, extra = '') =>
  `<td style="padding:6px 4px;border-bottom:1px solid ${LINE};${extra}">${text}</td>`;
const headCell = (text: string, align = 'left') =>
  `<th align="${align}" style="padding:6px 4px;border-bottom:2px solid ${LINE};color:${MUTED};font-size:11px;font-weight:600;text-align:${align};vertical-align:bottom">${escapeHtml(text)}</th>`;
const trendColor = (f: Figure) => (f.trend === 'good' ? GOOD : f.trend === 'bad' ? BAD : MUTED);
/** The change in the unit, its relative size on a line below in small type (narrow screens). */
const change = (f: Figure) =>
  `<span style="color:${trendColor(f)}">${escapeHtml(f.text).replace(' (', '<br><small>(')}${f.text.includes(' (') ? '</small>' : ''}</span>`;

function table(headers: string[], rows: string[][], numericFrom = 1): string {
  const head = headers.map((h, i) => headCell(h, i >= numericFrom ? 'right' : 'left')).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c, i) => cell(c, i >= numericFrom ? 'text-align:right' : '')).join('')}</tr>`)
    .join('');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:13px;color:${INK}"><tr>${head}</tr>${body}</table>`;
}

function benchmarkTable(t: BenchmarkTable, w: MailText, heading = true): string {
  const f = w.numbers;
  const brand = (r: BenchmarkRow) =>
    r.own ? `<b style="color:${ACCENT}">${escapeHtml(r.name)}</b>` : escapeHtml(r.name);
  const rows = t.rows.map((r) => [
    brand(r),
    escapeHtml(f.rank(r.rank, t.setSize)),
    escapeHtml(f.value(r.value, t.kpi.unit)),
    change(f.delta(r.delta, r.deltaPct, t.kpi)),
    escapeHtml(f.index(r.index)),
    escapeHtml(f.gap(r.gapToLeader, t.kpi.unit)),
  ]);
  const leader =
    t.leader === null ? '' : t.leader === 'hidden' ? w.say.leaderHidden : w.say.leaderIs(t.leader.name);
  return (
    (heading ? `<p style="margin:16px 0 6px;font-weight:600">${escapeHtml(t.kpi.label)}</p>` : '') +
    table([w.say.brand, w.say.rank, w.say.value, w.say.change, w.say.index, w.say.gap], rows) +
    (leader ? `<p style="margin:4px 0 0;color:${MUTED};font-size:12px">${escapeHtml(leader)}</p>` : '')
  );
}

function section(body: SectionBody, w: MailText): string {
  const f = w.numbers;
  const say = w.say;
  switch (body.section) {
    case 'summary':
      return table(
        [say.kpi, say.value, say.change, say.rank],
        body.rows.map((r) => [
          escapeHtml(r.kpi.label),
          `<b>${escapeHtml(f.value(r.value, r.kpi.unit))}</b>`,
          change(f.delta(r.delta, r.deltaPct, r.kpi)),
          escapeHtml(f.rank(r.rank, w.setSize)),
        ]),
      );
    case 'benchmark':
      return body.tables.map((t) => benchmarkTable(t, w)).join('');
    case 'dpi':
      // The section's heading already names the DPI.
      return benchmarkTable(body.table, w, false);
    case 'objectives':
      return table(
        [say.kpi, say.brand, say.target, say.current, say.projected, say.chance],
        body.rows.map((o) => [
          `${escapeHtml(o.kpi.label)}<br><span style="color:${MUTED};font-size:12px">${escapeHtml(say.status[o.status] ?? o.status)} · ${escapeHtml(say.periodEnd)} ${escapeHtml(f.date(o.periodEnd))}</span>`,
          escapeHtml(o.brand),
          escapeHtml(`${o.direction === 'at_least' ? '≥' : '≤'} ${f.value(o.target, o.kpi.unit)}`),
          escapeHtml(f.value(o.current, o.kpi.unit)),
          escapeHtml(f.range(o.projected, o.lo80, o.hi80, o.kpi.unit)),
          escapeHtml(f.percent(o.probability)),
        ]),
        2,
      );
    case 'alerts':
      if (body.rows.length === 0) return `<p style="color:${MUTED};margin:0">${escapeHtml(say.noAlerts)}</p>`;
      return body.rows
        .map((a) => {
          const drivers = a.drivers.length
            ? `<br><span style="color:${MUTED};font-size:12px">${escapeHtml(say.drivers)}: ${escapeHtml(a.drivers.map((d) => `${d.what} ${f.percent(d.share)}`).join(', '))}</span>`
            : '';
          const color = a.severity === 'critical' ? BAD : ACCENT;
          return `<p style="margin:0 0 10px;padding-left:10px;border-left:3px solid ${color}"><span style="color:${MUTED};font-size:12px">${escapeHtml(f.dateTime(a.at))}</span><br>${escapeHtml(a.message)}${drivers}</p>`;
        })
        .join('');
    case 'forecast':
      return table(
        [say.kpi, say.nextDays(body.rows[0]?.days ?? 0), say.range80, say.expectedTotal],
        body.rows.map((r) => [
          escapeHtml(r.kpi.label),
          // Counts add up day by day; a rate or a share is a level, not "per day".
          escapeHtml(
            r.total === null ? f.value(r.mean, r.kpi.unit) : `${f.value(r.mean, r.kpi.unit)} ${say.perDay}`,
          ),
          escapeHtml(f.range(null, r.lo80, r.hi80, r.kpi.unit)),
          escapeHtml(r.total === null ? '—' : f.value(r.total, r.kpi.unit)),
        ]),
      );
    case 'charts':
      return w.charts
        .map(
          (c) =>
            `<img src="cid:${escapeHtml(c.cid)}" width="600" alt="${escapeHtml(c.alt)}" style="display:block;width:100%;max-width:600px;height:auto;border:0;border-radius:6px;margin:0 0 12px">`,
        )
        .join('');
  }
}

export function renderHtml(doc: ReportDocument, w: MailText): string {
  const say = w.say;
  const warning = doc.problems.length
    ? `<tr><td style="padding:12px 16px;background:#fff4e5;border-left:4px solid ${ACCENT};color:${INK}"><b>${escapeHtml(say.warningTitle)}</b><ul style="margin:6px 0 0;padding-left:18px">${doc.problems.map((p) => `<li>${escapeHtml(say.sections[p.section])}: ${escapeHtml(p.message)}</li>`).join('')}</ul></td></tr>`
    : '';
  const test = w.test
    ? `<tr><td style="padding:8px 16px;background:#eef4ff;color:${INK};font-size:13px">${escapeHtml(say.testNote)}</td></tr>`
    : '';
  const sections = doc.sections
    .map(
      (s) =>
        `<tr><td style="padding:20px 16px 4px"><h2 style="margin:0 0 10px;font-size:17px;color:${INK}">${escapeHtml(say.sections[s.section])}</h2>${section(s, w)}</td></tr>`,
    )
    .join('');
  const omitted = doc.outOfScope.length
    ? `<tr><td style="padding:12px 24px 0;color:${MUTED};font-size:12px">${escapeHtml(doc.outOfScope.map((s) => say.sections[s]).join(', '))}: ${escapeHtml(say.outOfScope)}</td></tr>`
    : '';
  return `<!doctype html>
<html lang="${doc.report.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(w.subject)}</title></head>
<body style="margin:0;padding:0;background:#f3f5f8;${FONT}">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f5f8"><tr><td align="center" style="padding:24px 4px">
<table role="presentation" width="640" cellpadding="0" cellspacing="0" style="width:100%;max-width:640px;background:#ffffff;border-radius:8px;${FONT};color:${INK}">
<tr><td style="padding:20px 24px 16px;background:#121a25;border-radius:8px 8px 0 0;color:#c9d1dc">
<div style="font-size:12px;letter-spacing:.04em;text-transform:uppercase;color:${ACCENT}">Convergence · ${escapeHtml(doc.workspace.name)}</div>
<div style="font-size:22px;font-weight:700;color:#ffffff;margin:4px 0">${escapeHtml(doc.report.name)}</div>
<div style="font-size:14px">${escapeHtml(w.period)}</div>
<div style="font-size:12px;color:#8a94a6">${escapeHtml(w.comparedWith)} · ${escapeHtml(w.asOf)}</div>
</td></tr>
${test}${warning}${sections}${omitted}
<tr><td style="padding:20px 24px"><a href="${escapeHtml(w.dashboardUrl)}" style="display:inline-block;padding:10px 16px;background:${ACCENT};color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600">${escapeHtml(say.openDashboard)}</a></td></tr>
<tr><td style="padding:12px 24px 20px;border-top:1px solid ${LINE};color:${MUTED};font-size:12px">${escapeHtml(say.unsubscribeWhy(doc.report.name))} <a href="${escapeHtml(w.unsubscribeUrl)}" style="color:${MUTED}">${escapeHtml(say.unsubscribe)}</a></td></tr>
</table></td></tr></table>
</body></html>`;
}
