// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { BenchmarkRow } from '../../../shared/schemas/kpi.js';
import { benchmarkCsv, benchmarkCsvName } from '../../../shared/benchmark-csv.js';

const row = (brand: string, name: string, extra: Partial<BenchmarkRow> = {}): BenchmarkRow => ({
  brand,
  name,
  own: false,
  value: null,
  previous: null,
  delta: null,
  deltaPct: null,
  rank: null,
  index: null,
  share: null,
  gapToLeader: null,
  ...extra,
});

describe('benchmark CSV export', () => {
  it('writes the header, then one line per brand with unformatted numbers', () => {
    const csv = benchmarkCsv([
      row('acme', 'Acme', {
        own: true,
        value: 0.4123456,
        rank: 1,
        index: 164.9382,
        share: 0.4123456,
        previous: 0.38,
        delta: 0.0323456,
        deltaPct: 0.08512,
        gapToLeader: 0,
      }),
      row('globex', 'Globex', {
        value: 1234567.5,
        rank: 2,
        index: 35.06,
        previous: 1e-7,
        delta: -12,
        deltaPct: -0.5,
        gapToLeader: -3.25,
      }),
      row('initech', 'Initech'),
    ]);
    expect(csv.split('\n')).toEqual([
      'brand,name,value,rank,index,share,previous,delta,deltaPct,gapToLeader',
      'acme,Acme,0.4123456,1,164.9382,0.4123456,0.38,0.0323456,0.08512,0',
      'globex,Globex,1234567.5,2,35.06,,1e-7,-12,-0.5,-3.25',
      'initech,Initech,,,,,,,,',
      '',
    ]);
  });

  it('quotes names with commas, quotes or line breaks, and keeps formula-like names as text', () => {
    const csv = benchmarkCsv([
      row('a', 'Smith, Jones & Co'),
      row('b', 'The "Best" Brand'),
      row('c', 'Two\nlines'),
      row('d', '=HYPERLINK("http://x")'),
    ]);
    const lines = csv.trimEnd().split('\n');
    expect(lines[1]).toBe('a,"Smith, Jones & Co",,,,,,,,');
    expect(lines[2]).toBe('b,"The ""Best"" Brand",,,,,,,,');
    expect(csv).toContain('c,"Two\nlines",,,,,,,,');
    expect(lines.at(-1)).toBe(`d,"'=HYPERLINK(""http://x"")",,,,,,,,`);
  });

  it('is named after the KPI and the window, or the custom range', () => {
    expect(benchmarkCsvName('share_of_voice', { window: '7d' })).toBe('benchmark-share_of_voice-7d.csv');
    expect(benchmarkCsvName('ctr', { window: 'custom', from: '2026-11-01', to: '2026-11-28' })).toBe(
      'benchmark-ctr-2026-11-01_2026-11-28.csv',
    );
    expect(
      benchmarkCsvName('ctr', { window: 'custom', from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' }),
    ).toBe('benchmark-ctr-2026-11-01T00-00-00Z_2026-11-02T00-00-00Z.csv');
  });
});
