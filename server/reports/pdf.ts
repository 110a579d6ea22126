// The whole report as a PDF attachment, built without a browser (pdfkit): the text part's lines
// under each section's heading, and the same chart PNGs, on A4 pages.
import PDFDocument from 'pdfkit';
import type { ReportDocument } from './document.js';
import { reportBoldFont, reportFont } from './fonts.js';
import { CHART_HEIGHT, CHART_WIDTH, type RenderedChart } from './charts.js';
import { sectionText, type MailText } from './text.js';

const MARGIN = 48;

export function renderPdf(
  doc: ReportDocument,
  w: MailText,
  charts: readonly RenderedChart[],
): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: w.subject, Author: 'Convergence', Subject: doc.workspace.name },
    lang: doc.report.language,
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  pdf.registerFont('body', reportFont());
  pdf.registerFont('bold', reportBoldFont());
  const width = pdf.page.width - 2 * MARGIN;

  pdf.font('bold').fontSize(18).fillColor('#1d2430').text(doc.report.name);
  pdf.font('body').fontSize(11).fillColor('#5c6677').text(`${doc.workspace.name} · ${w.period}`);
  pdf.fontSize(9).text(`${w.comparedWith} · ${w.asOf}`);
  if (w.test) pdf.moveDown(0.5).fillColor('#1d2430').text(w.say.testNote);
  if (doc.problems.length) {
    pdf.moveDown(0.5).font('bold').fillColor('#c92a2a').fontSize(11).text(w.say.warningTitle);
    pdf.font('body').fontSize(9);
    for (const p of doc.problems) pdf.text(`- ${w.say.sections[p.section]}: ${p.message}`);
  }
  for (const body of doc.sections) {
    pdf.moveDown(1).font('bold').fontSize(13).fillColor('#1d2430').text(w.say.sections[body.section]);
    pdf.moveDown(0.3).font('body').fontSize(9.5).fillColor('#1d2430');
    if (body.section === 'charts') {
      for (const chart of charts) {
        const height = (width * CHART_HEIGHT) / CHART_WIDTH;
        if (pdf.y + height > pdf.page.height - MARGIN) pdf.addPage();
        pdf.image(chart.png, MARGIN, pdf.y, { width });
        pdf.y += height + 8;
      }
      continue;
    }
    for (const line of sectionText(body, w)) pdf.text(line, { width });
  }
  pdf
    .moveDown(1)
    .fontSize(9)
    .fillColor('#5c6677')
    .text(`${w.say.openDashboard}: ${w.dashboardUrl}`, { link: w.dashboardUrl });
  pdf.end();
  return done;
}
