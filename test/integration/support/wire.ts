// Helpers of the rollup property test and the crash test: time-zone arithmetic done with Intl
// (independent of DuckDB's ICU), and encoders that put the same rows on the wire in every
// ingest format.
import { tableFromArrays, tableToIPC } from 'apache-arrow';

// ---------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall-clock time of `instantMs` in `tz`, written as if it were a UTC instant (whole seconds). */
export function localWallMs(tz: string, instantMs: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(instantMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** Offset of `tz` from UTC at `instantMs`, in minutes (east positive). */
export function offsetMinutes(tz: string, instantMs: number): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  return Math.round((localWallMs(tz, whole) - whole) / 60_000);
}

/** Local midnight of the day holding `instantMs`, as a naive (wall-clock-as-UTC) ms value. */
export function localDayBucket(tz: string, instantMs: number): number {
  const wall = localWallMs(tz, instantMs);
  return Math.floor(wall / 86_400_000) * 86_400_000;
}

/** The instant a local wall-clock time stands for (no gap/fold at midnight in the zones used). */
export function instantOfLocal(tz: string, wallMs: number): number {
  let guess = wallMs - offsetMinutes(tz, wallMs) * 60_000;
  guess = wallMs - offsetMinutes(tz, guess) * 60_000;
  return guess;
}

/** `2026-03-29T00:00:00+01:00`: a day bucket label as the series API writes it. */
export function dayLabel(tz: string, wallMs: number): string {
  const offset = Math.round((wallMs - instantOfLocal(tz, wallMs)) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${new Date(wallMs).toISOString().slice(0, 19)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// ---------------------------------------------------------------------------------------------
// Wire formats
// ---------------------------------------------------------------------------------------------

export type Format = 'json' | 'json-wrapped' | 'ndjson' | 'csv' | 'arrow';
export const FORMATS: readonly Format[] = ['json', 'json-wrapped', 'ndjson', 'csv', 'arrow'];

/** How a row's timestamp is written (Arrow always sends int64 epoch ms). */
export type TsStyle = 'iso-z' | 'iso-space' | 'iso-offset' | 'epoch' | 'epoch-string';
export const TS_STYLES: readonly TsStyle[] = ['iso-z', 'iso-space', 'iso-offset', 'epoch', 'epoch-string'];

/** Offsets a client may write an ISO timestamp with, in the spellings the hub accepts. */
export const OFFSETS: readonly { minutes: number; text: string }[] = [
  { minutes: 120, text: '+02:00' },
  { minutes: -330, text: '-05:30' },
  { minutes: 345, text: '+05:45' },
  { minutes: 60, text: '+0100' },
  { minutes: -180, text: '-03' },
];

export interface WireRow {
  ts: number;
  tsStyle: TsStyle;
  /** index into OFFSETS, for the iso-offset style */
  offset: number;
  brand: string;
  touchpoint: string;
  source: string;
  metric: string;
  /** 'bad' sends a value that is not a finite number in the format at hand */
  value: number | 'bad';
}

export function tsText(row: WireRow): string {
  switch (row.tsStyle) {
    case 'iso-z':
      return new Date(row.ts).toISOString();
    case 'iso-space':
      return new Date(row.ts).toISOString().replace('T', ' ');
    case 'iso-offset': {
      const o = OFFSETS[row.offset % OFFSETS.length]!;
      return new Date(row.ts + o.minutes * 60_000).toISOString().slice(0, 23) + o.text;
    }
    case 'epoch':
    case 'epoch-string':
      return String(row.ts);
  }
}

function jsonRecord(row: WireRow): Record<string, unknown> {
  return {
    ts: row.tsStyle === 'epoch' ? row.ts : tsText(row),
    brand: row.brand,
    touchpoint: row.touchpoint,
    source: row.source,
    metric: row.metric,
    // JSON requires a number: a numeric string is refused as invalid_value.
    value: row.value === 'bad' ? '12.5' : row.value,
  };
}

export const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json',
  'json-wrapped': 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
  arrow: 'application/vnd.apache.arrow.stream',
};

export function encode(rows: WireRow[], format: Format): Uint8Array {
  switch (format) {
    case 'json':
      return Buffer.from(JSON.stringify(rows.map(jsonRecord)));
    case 'json-wrapped':
      return Buffer.from(JSON.stringify({ source: 'test', events: rows.map(jsonRecord) }, null, 1));
    case 'ndjson':
      return Buffer.from(rows.map((r) => JSON.stringify(jsonRecord(r))).join('\n') + '\n');
    case 'csv': {
      // Columns in a different order than the canonical one, CRLF line ends.
      const header = 'value,metric,source,touchpoint,brand,ts';
      const lines = rows.map((r) =>
        [
          r.value === 'bad' ? 'abc' : String(r.value),
          r.metric,
          r.source,
          r.touchpoint,
          r.brand,
          tsText(r),
        ].join(','),
      );
      return Buffer.from([header, ...lines].join('\r\n') + '\r\n');
    }
    case 'arrow': {
      const table = tableFromArrays({
        ts: BigInt64Array.from(rows.map((r) => BigInt(r.ts))),
        brand: rows.map((r) => r.brand),
        touchpoint: rows.map((r) => r.touchpoint),
        source: rows.map((r) => r.source),
        metric: rows.map((r) => r.metric),
        value: Float64Array.from(rows.map((r) => (r.value === 'bad' ? NaN : r.value))),
      });
      return tableToIPC(table, 'stream');
    }
  }
}
