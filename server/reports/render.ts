// What a report's rendering needs the CPU for — its chart PNGs (ECharts SSR, resvg) and its PDF
// (pdfkit) — from plain data, so that it can run on a worker thread (render-pool.ts).
import type { BrandLike } from '../../shared/palette.js';
import type { Recipient } from '../../shared/schemas/reports.js';
import { renderCharts, type RenderedChart } from './charts.js';
import type { ReportDocument } from './document.js';
import { mailText, periodText, type MessageContext } from './message.js';
import { renderPdf } from './pdf.js';
import { words } from './words.js';

export interface RenderInput {
  brands: BrandLike[];
  doc: ReportDocument;
  recipient: Recipient;
  ctx: MessageContext;
}

export interface RenderedParts {
  charts: RenderedChart[];
  pdf: Buffer | undefined;
}

export async function renderParts({ brands, doc, recipient, ctx }: RenderInput): Promise<RenderedParts> {
  const body = doc.sections.find((s) => s.section === 'charts');
  const charts = body
    ? renderCharts(brands, body.charts, words(doc.report.language), doc.workspace.timezone, periodText(doc))
    : [];
  const pdf = doc.report.attachPdf
    ? await renderPdf(doc, mailText(doc, recipient, ctx, charts), charts)
    : undefined;
  return { charts, pdf };
}
