import { DAY, floorTo, HOUR, MINUTE, type ZoneOffsets } from '../../shared/time.js';

/** A commit's accepted rows of one workspace, as the writer holds them. */
export interface RollupRows {
  ws: number;
  length: number;
  series: Int32Array;
  ts: Float64Array;
  value: Float64Array;
}
// Partial aggregates of one commit, computed in JS from the rows the writer holds anyway, then
// appended to the rollup tables: no SQL pass over the batch, no per-row time-zone call in SQL.

export class Partials {
  length = 0;
  ws: Int32Array;
  series: Int32Array;
  bucket: Float64Array;
  sum: Float64Array;
  count: Float64Array;
  min: Float64Array;
  max: Float64Array;
  lastTs: Float64Array;
  lastValue: Float64Array;
  // Open addressing over (series, bucket index): several times faster than a Map with number keys.
  private slots: Int32Array; // row + 1, 0 = empty
  private keySeries: Int32Array;
  private keyBucket: Int32Array;
  private mask: number;

  constructor(private capacity = 1024) {
    capacity = 1 << Math.ceil(Math.log2(Math.max(capacity, 16)));
    this.capacity = capacity;
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
    this.keySeries = new Int32Array(capacity);
    this.keyBucket = new Int32Array(capacity);
    this.ws = new Int32Array(capacity);
    this.series = new Int32Array(capacity);
    this.bucket = new Float64Array(capacity);
    this.sum = new Float64Array(capacity);
    this.count = new Float64Array(capacity);
    this.min = new Float64Array(capacity);
    this.max = new Float64Array(capacity);
    this.lastTs = new Float64Array(capacity);
    this.lastValue = new Float64Array(capacity);
  }

  private grow(): void {
    this.capacity *= 2;
    const int = (a: Int32Array) => {
      const next = new Int32Array(this.capacity);
      next.set(a);
      return next;
    };
    const dbl = (a: Float64Array) => {
      const next = new Float64Array(this.capacity);
      next.set(a);
      return next;
    };
    this.ws = int(this.ws);
    this.series = int(this.series);
    this.keySeries = int(this.keySeries);
    this.keyBucket = int(this.keyBucket);
    this.bucket = dbl(this.bucket);
    this.sum = dbl(this.sum);
    this.count = dbl(this.count);
    this.min = dbl(this.min);
    this.max = dbl(this.max);
    this.lastTs = dbl(this.lastTs);
    this.lastValue = dbl(this.lastValue);
    this.slots = new Int32Array(this.capacity * 2);
    this.mask = this.capacity * 2 - 1;
    for (let row = 0; row < this.length; row++) {
      let slot = hash(this.keySeries[row]!, this.keyBucket[row]!) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = row + 1;
    }
  }

  /** The row of (series, bucket index), or a fresh row claimed for it (`this.length` grows). */
  private find(series: number, bucketIndex: number): number {
    if (this.length === this.capacity) this.grow();
    let slot = hash(series, bucketIndex) & this.mask;
    for (;;) {
      const row = this.slots[slot]! - 1;
      if (row < 0) {
        const fresh = this.length++;
        this.slots[slot] = fresh + 1;
        this.keySeries[fresh] = series;
        this.keyBucket[fresh] = bucketIndex;
        return ~fresh;
      }
      if (this.keySeries[row] === series && this.keyBucket[row] === bucketIndex) return row;
      slot = (slot + 1) & this.mask;
    }
  }

  /**
   * Merges one aggregate into the bucket `bucketMs` (a multiple of `width`) of `series`.
   * A level's value is the one at the latest timestamp, the larger on a tie.
   */
  add(
    ws: number,
    series: number,
    bucketMs: number,
    width: number,
    a: { sum: number; count: number; min: number; max: number; lastTs: number; lastValue: number },
  ): void {
    const found = this.find(series, bucketMs / width);
    if (found < 0) {
      const j = ~found;
      this.ws[j] = ws;
      this.series[j] = series;
      this.bucket[j] = bucketMs;
      this.sum[j] = a.sum;
      this.count[j] = a.count;
      this.min[j] = a.min;
      this.max[j] = a.max;
      this.lastTs[j] = a.lastTs;
      this.lastValue[j] = a.lastValue;
      return;
    }
    const i = found;
    this.sum[i] += a.sum;
    this.count[i] += a.count;
    if (a.min < this.min[i]!) this.min[i] = a.min;
    if (a.max > this.max[i]!) this.max[i] = a.max;
    if (a.lastTs > this.lastTs[i]! || (a.lastTs === this.lastTs[i] && a.lastValue > this.lastValue[i]!)) {
      this.lastTs[i] = a.lastTs;
      this.lastValue[i] = a.lastValue;
    }
  }

  /** The aggregate at row `i`, reused across calls to spare allocations. */
  read(i: number, into: Aggregate): Aggregate {
    into.sum = this.sum[i]!;
    into.count = this.count[i]!;
    into.min = this.min[i]!;
    into.max = this.max[i]!;
    into.lastTs = this.lastTs[i]!;
    into.lastValue = this.lastValue[i]!;
    return into;
  }
}

function hash(series: number, bucketIndex: number): number {
  return (Math.imul(series, 0x9e3779b1) ^ Math.imul(bucketIndex, 0x85ebca6b)) >>> 7;
}

export interface Aggregate {
  sum: number;
  count: number;
  min: number;
  max: number;
  lastTs: number;
  lastValue: number;
}

/** Rows aggregated between two turns of the event loop. */
export const SLICE = 16_384;

export function addRows(minute: Partials, batch: RollupRows, from: number, to: number): void {
  const one: Aggregate = { sum: 0, count: 1, min: 0, max: 0, lastTs: 0, lastValue: 0 };
  const { ws, series, ts, value } = batch;
  for (let i = from; i < to; i++) {
    const t = ts[i]!;
    const v = value[i]!;
    one.sum = one.min = one.max = one.lastValue = v;
    one.lastTs = t;
    minute.add(ws, series[i]!, floorTo(t, MINUTE), MINUTE, one);
  }
}

/** Hour and (local) day partials from minute partials. */
export function rollUp(
  minute: Partials,
  from: number,
  to: number,
  hour: Partials,
  day: Partials,
  zoneOf: (ws: number) => ZoneOffsets,
): void {
  const partial: Aggregate = { sum: 0, count: 0, min: 0, max: 0, lastTs: 0, lastValue: 0 };
  let zoneWs = -1;
  let zone: ZoneOffsets | undefined;
  for (let j = from; j < to; j++) {
    const ws = minute.ws[j]!;
    if (ws !== zoneWs) {
      zone = zoneOf(ws);
      zoneWs = ws;
    }
    const bucket = minute.bucket[j]!;
    const series = minute.series[j]!;
    minute.read(j, partial);
    hour.add(ws, series, floorTo(bucket, HOUR), HOUR, partial);
    day.add(ws, series, zone!.localDay(bucket), DAY, partial);
  }
}
