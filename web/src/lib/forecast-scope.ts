// When the explorer's chart can show the forecast and anomaly marks. Both are of the KPI over all
// sources and touchpoints of a brand (the forecast of the own brand), so a chart of one slice would
// set them against a line they do not describe: they are left out, and a note says why.

export type ForecastHidden =
  /** The Digital Performance Index: forecasts and anomalies are of the KPIs it is made of. */
  | 'index'
  /** A touchpoint or a source is filtered: neither the band nor the marks describe the line. */
  | 'slice'
  /** The own brand is not among the brands shown: the band has no line to continue. */
  | 'brand'
  /** Forecasts are hourly or daily. */
  | 'week';

export function forecastHiddenBy(chart: {
  grain: 'hour' | 'day' | 'week' | null;
  touchpoint: string;
  source: string;
  /** The brands picked; empty: the whole set. */
  brands: readonly string[];
  own: string | undefined;
  /** The KPI is the index or one of its touchpoint scores. */
  index?: boolean;
}): ForecastHidden | null {
  if (chart.index) return 'index';
  if (chart.touchpoint || chart.source) return 'slice';
  if (chart.own && chart.brands.length > 0 && !chart.brands.includes(chart.own)) return 'brand';
  if (chart.grain === 'week') return 'week';
  return null;
}
