// The demo market: a fictional cosmetics market generated from a seed as a pure function of time,
// so history, live stream and a restarted hub all tell the same story without storing any state.
import type { Touchpoint } from '../../shared/vocabulary.js';
import { DAY, HOUR, MINUTE, zoneOf } from '../../shared/time.js';
import { mulberry32 } from '../../shared/random.js';
import {
  BASE,
  DAILY,
  GAUGES,
  LAYOUT,
  PROFILES,
  WEEKLY,
  type Group,
  type Layout,
  type Profile,
} from './market-tables.js';

export interface MarketBrand {
  id: string;
  name: string;
  own: boolean;
}

export interface MarketEvent {
  /** epoch ms */
  ts: number;
  brand: string;
  touchpoint: Touchpoint;
  source: string;
  metric: string;
  value: number;
}

export interface Episode {
  kind: 'campaign' | 'bad_buzz';
  brand: string;
  startMs: number;
  endMs: number;
  /** campaigns: the volume multiplier at full strength; bad buzz: the peak intensity (1 = major). */
  strength: number;
}

export const DEMO_SEED = 1789;

export const DEMO_WORKSPACE = {
  id: 'demo',
  name: 'Demo market — cosmetics',
  timezone: 'Europe/Paris',
  brands: [
    { id: 'aurelune', name: 'Aurelune', own: true },
    { id: 'belvia', name: 'Belvia', own: false },
    { id: 'coralis', name: 'Coralis', own: false },
    { id: 'dunelle', name: 'Dunelle', own: false },
    { id: 'estiva', name: 'Estiva Lab', own: false },
    { id: 'florane', name: 'Florane', own: false },
  ] satisfies MarketBrand[],
};

/** Gauges are levels: history sends them every 6 h, the live stream at most once a minute per series. */
export const GAUGE_EVERY_MS = 6 * HOUR;
const LIVE_GAUGE_EVERY_MS = MINUTE;

/** Trend origin: growth is measured from here, so any date gives a sensible level. */
const EPOCH_MS = Date.UTC(2025, 0, 1);

// ---------------------------------------------------------------------------------------------
// Episodes are scheduled on fixed absolute epochs, so any window of time can find them by itself.

const CAMPAIGN_EPOCH_MS = 12 * DAY;
const BUZZ_EPOCH_MS = 30 * DAY;
const SHORT_BUZZ_SLOT_MS = 6 * HOUR;
const SHORT_BUZZ_CHANCE = 0.12;

export interface MarketOptions {
  seed?: number;
  /** the competitive set, own brand anywhere; profiles are dealt in order, own brand first */
  brands?: MarketBrand[];
  timezone?: string;
}

export class Market {
  readonly seed: number;
  readonly brands: MarketBrand[];
  readonly timezone: string;
  readonly groups: Group[];
  private readonly profiles: Profile[];
  private readonly ownIndex: number;

  constructor(options: MarketOptions = {}) {
    this.seed = options.seed ?? DEMO_SEED;
    const brands = options.brands ?? DEMO_WORKSPACE.brands;
    if (brands.length === 0) throw new Error('a market needs at least one brand');
    // Own brand first, so that it always gets the first profile.
    this.brands = [...brands].sort((a, b) => Number(b.own) - Number(a.own));
    this.timezone = options.timezone ?? DEMO_WORKSPACE.timezone;
    this.ownIndex = 0;
    this.profiles = this.brands.map((_, i) => {
      const profile = PROFILES[i % PROFILES.length]!;
      // Past the six hand-made profiles, brands repeat one with another size, so ranks still differ.
      return i < PROFILES.length
        ? profile
        : { ...profile, size: profile.size * (0.6 + 0.8 * unit(this.seed, 7, i)) };
    });
    this.groups = [];
    this.brands.forEach((brand, brandIndex) => {
      for (const layout of LAYOUT) {
        this.groups.push({
          index: this.groups.length,
          brandIndex,
          brand: brand.id,
          layout,
          profile: this.profiles[brandIndex]!,
        });
      }
    });
  }

  /** Strings the events use, for dictionary encodings. */
  dictionaries(): { brands: string[]; touchpoints: string[]; sources: string[]; metrics: string[] } {
    const metrics = new Set<string>();
    for (const group of this.groups.slice(0, LAYOUT.length)) {
      for (const m of countersOf(group.layout)) metrics.add(m);
      const gauge = GAUGES[group.layout.kind];
      if (gauge) metrics.add(gauge);
    }
    return {
      brands: this.brands.map((b) => b.id),
      touchpoints: [...new Set(LAYOUT.map((l) => l.touchpoint))],
      sources: [...new Set(LAYOUT.map((l) => l.source))],
      metrics: [...metrics],
    };
  }

  /**
   * History: one event per counter series and step bucket [t, t + step), stamped at the bucket's
   * start (buckets without any count are left out), plus gauge levels every 6 h. `fromMs` is
   * rounded down to the step.
   */
  history(fromMs: number, toMs: number, stepMs = HOUR): MarketEvent[] {
    const out: MarketEvent[] = [];
    for (let t = Math.floor(fromMs / stepMs) * stepMs; t < toMs; t += stepMs) {
      const end = Math.min(t + stepMs, toMs);
      for (const group of this.groups) {
        this.counters(group, t, end, t, false, out);
        if (t % GAUGE_EVERY_MS === 0) this.gauges(group, t, out);
      }
    }
    return out;
  }

  /** A live stream cursor whose first events cover what happened since `startMs`. */
  live(startMs: number): LiveCursor {
    return new LiveCursor(this, startMs);
  }

  /** Bad buzz episodes asked for (npm run simulate -- --buzz), on top of the scheduled ones. */
  private readonly triggered: Episode[] = [];

  /**
   * A major bad buzz of `brand` from `startMs`, for `durationMs`: the demo of an anomaly alert,
   * without waiting for one to come by chance.
   */
  triggerBuzz(brand: string, startMs: number, durationMs = 12 * HOUR): Episode {
    if (!this.brands.some((b) => b.id === brand)) {
      throw new Error(
        `"${brand}" is not a brand of this market (${this.brands.map((b) => b.id).join(', ')}).`,
      );
    }
    const episode: Episode = { kind: 'bad_buzz', brand, startMs, endMs: startMs + durationMs, strength: 1 };
    this.triggered.push(episode);
    return episode;
  }

  /** Campaigns and bad buzz episodes overlapping [fromMs, toMs). */
  episodes(fromMs: number, toMs: number): Episode[] {
    const out: Episode[] = this.triggered.filter((e) => e.endMs > fromMs && e.startMs < toMs);
    const collect = (epochMs: number, pick: (k: number) => Episode | undefined) => {
      for (let k = Math.floor(fromMs / epochMs) - 1; k * epochMs < toMs; k++) {
        const episode = pick(k);
        if (episode && episode.endMs > fromMs && episode.startMs < toMs) out.push(episode);
      }
    };
    collect(CAMPAIGN_EPOCH_MS, (k) => this.campaign(k));
    collect(BUZZ_EPOCH_MS, (k) => this.majorBuzz(k));
    collect(SHORT_BUZZ_SLOT_MS, (k) => this.shortBuzz(k));
    return out.sort((a, b) => a.startMs - b.startMs);
  }

  /** Counter events of one group for [fromMs, toMs), stamped `ts`, appended to `out`. */
  counters(group: Group, fromMs: number, toMs: number, ts: number, keepZeros: boolean, out: MarketEvent[]) {
    const hours = (toMs - fromMs) / HOUR;
    if (hours <= 0 && !keepZeros) return;
    const { layout, profile, brandIndex } = group;
    const mid = (fromMs + toMs) / 2;
    const rng = mulberry32(hash(this.seed, group.index, fromMs, toMs));
    const noise = () => Math.exp(0.12 * gauss(rng));
    const round = (x: number) => stochasticRound(Math.max(0, x), rng);
    const volume =
      Math.max(0, hours) *
      profile.size *
      profile.strength[layout.touchpoint] *
      layout.share *
      this.seasonality(layout.touchpoint, mid) *
      this.trend(brandIndex, mid);
    const lift = this.campaignLift(brandIndex, mid);
    const buzz = this.buzz(brandIndex, mid);
    const emit = (metric: string, value: number) => {
      if (value > 0 || keepZeros) {
        out.push({
          ts,
          brand: group.brand,
          touchpoint: layout.touchpoint,
          source: layout.source,
          metric,
          value,
        });
      }
    };
    const sentiment = (expected: number) => {
      // A bad buzz adds mentions that are mostly negative, and mutes the positive ones.
      const pos = expected * profile.positive * (1 - 0.4 * buzz) * (1 + 0.15 * (lift - 1));
      const neg = expected * (profile.negative + 3 * buzz * 0.85);
      const all = expected * (1 + 3 * buzz);
      const mentions = round(all * noise());
      const positive = Math.min(mentions, round(all > 0 ? (mentions * pos) / all : 0));
      const negative = Math.min(mentions - positive, round(all > 0 ? (mentions * neg) / all : 0));
      emit('mentions', mentions);
      emit('positive_mentions', positive);
      emit('negative_mentions', negative);
      emit('neutral_mentions', mentions - positive - negative);
      return mentions;
    };

    switch (layout.kind) {
      case 'search': {
        const impressions = round(BASE.impressions * volume * lift * noise());
        emit('impressions', impressions);
        emit('clicks', Math.min(impressions, round(impressions * profile.ctr * noise())));
        const searches = impressions * BASE.brandSearchShare * (1 + 0.5 * buzz) * noise();
        emit('brand_searches', Math.min(impressions, round(searches)));
        break;
      }
      case 'web': {
        const visits = round(BASE.visits * volume * (1 + 0.5 * (lift - 1)) * noise());
        const conversions = Math.min(visits, round(visits * profile.conversion * noise()));
        emit('visits', visits);
        emit('conversions', conversions);
        emit('bounces', Math.min(visits - conversions, round(visits * profile.bounce * noise())));
        break;
      }
      case 'store':
        emit('app_downloads', round(BASE.downloads * volume * (1 + 0.7 * (lift - 1)) * noise()));
        break;
      case 'social': {
        const posts = BASE.postsPerHour * Math.max(0, hours) * layout.share * (lift > 1 ? 2 : 1);
        emit('posts', round(posts));
        const reach = round(BASE.reach * volume * lift * (1 + 0.3 * buzz) * noise());
        emit('reach', reach);
        const engagements = reach * profile.engagement * (1 + 0.3 * buzz) * noise();
        emit('engagements', Math.min(reach, round(engagements)));
        sentiment(BASE.socialMentions * volume * (1 + 0.6 * (lift - 1)));
        break;
      }
      case 'media': {
        const mentions = BASE.mediaMentions * volume * (1 + 0.8 * (lift - 1));
        const counted = sentiment(mentions);
        emit('potential_reach', round(counted * layout.audience! * noise()));
        break;
      }
      case 'viral': {
        const views = round(BASE.views * volume * lift * noise());
        emit('views', views);
        emit('likes', Math.min(views, round(views * BASE.likes * noise())));
        emit('comments', Math.min(views, round(views * BASE.comments * (1 + 2 * buzz) * noise())));
        emit('shares', Math.min(views, round(views * BASE.shares * (1 + 0.3 * (lift - 1)) * noise())));
        if (layout.mentions) sentiment(BASE.viralMentions * volume * (1 + 0.6 * (lift - 1)));
        break;
      }
    }
  }

  /** Gauge levels of one group as of `ts` (none for groups without a gauge). */
  gauges(group: Group, ts: number, out: MarketEvent[]): void {
    const metric = GAUGES[group.layout.kind];
    if (!metric) return;
    const { profile, brandIndex, layout } = group;
    const days = (ts - EPOCH_MS) / DAY;
    const phase = unit(this.seed, 11, group.index) * 2 * Math.PI;
    let value: number;
    if (metric === 'followers') {
      // Steady growth at the brand's own pace.
      value = Math.round(profile.followers * layout.share * Math.exp(profile.growth * days));
    } else if (metric === 'avg_position') {
      const wiggle = 0.6 * Math.sin((2 * Math.PI * days) / 23 + phase);
      const slot = Math.floor(ts / GAUGE_EVERY_MS);
      const jitter = 0.25 * gauss(mulberry32(hash(this.seed, 13, group.index, slot)));
      const campaign = 0.8 * Math.min(1, this.campaignLift(brandIndex, ts) - 1);
      const level = profile.position + wiggle + jitter - campaign;
      value = Math.round(Math.max(1, level) * 10) / 10;
    } else {
      // Ratings dip while a bad buzz lasts.
      const level =
        profile.rating + 0.05 * Math.sin((2 * Math.PI * days) / 40 + phase) - 0.3 * this.buzz(brandIndex, ts);
      value = Math.round(Math.min(5, Math.max(1, level)) * 100) / 100;
    }
    out.push({ ts, brand: group.brand, touchpoint: layout.touchpoint, source: layout.source, metric, value });
  }

  private seasonality(touchpoint: Touchpoint, ms: number): number {
    const local = zoneOf(this.timezone).toLocal(ms);
    const dayMs = ((local % DAY) + DAY) % DAY;
    const weekday = (((Math.floor(local / DAY) + 4) % 7) + 7) % 7;
    // Hourly values stand for the middle of their hour; interpolate between them.
    const x = dayMs / HOUR - 0.5;
    const h = Math.floor(x);
    const w = x - h;
    const profile = DAILY[touchpoint];
    const daily = profile[(h + 24) % 24]! * (1 - w) + profile[(h + 25) % 24]! * w;
    return daily * WEEKLY[touchpoint][weekday]!;
  }

  private trend(brandIndex: number, ms: number): number {
    const days = (ms - EPOCH_MS) / DAY;
    const phase = unit(this.seed, 17, brandIndex) * 2 * Math.PI;
    return (1 + 0.0004 * Math.max(0, days)) * (1 + 0.06 * Math.sin((2 * Math.PI * days) / 35 + phase));
  }

  /** The campaign multiplier of a brand at `ms` (1 outside campaigns). */
  campaignLift(brandIndex: number, ms: number): number {
    const episode = this.campaign(Math.floor(ms / CAMPAIGN_EPOCH_MS));
    if (!episode || episode.brand !== this.brands[brandIndex]!.id) return 1;
    const ramp = rampOf(ms, episode.startMs, episode.endMs, 12 * HOUR, DAY);
    return 1 + (episode.strength - 1) * ramp;
  }

  /** Bad buzz intensity of a brand at `ms`: 0 (none) to 1 (peak of a major one). */
  buzz(brandIndex: number, ms: number): number {
    const brand = this.brands[brandIndex]!.id;
    let level = 0;
    for (const episode of [
      this.majorBuzz(Math.floor(ms / BUZZ_EPOCH_MS)),
      this.shortBuzz(Math.floor(ms / SHORT_BUZZ_SLOT_MS)),
      ...this.triggered,
    ]) {
      if (!episode || episode.brand !== brand || ms < episode.startMs || ms >= episode.endMs) continue;
      // A spike: a fast rise, then a slow fade.
      const rise = Math.min(HOUR * 3, (episode.endMs - episode.startMs) / 6);
      const since = ms - episode.startMs;
      const shape =
        since < rise
          ? since / rise
          : Math.exp((-3 * (since - rise)) / (episode.endMs - episode.startMs - rise));
      level = Math.max(level, episode.strength * shape);
    }
    return level;
  }

  private campaign(k: number): Episode {
    const startMs = k * CAMPAIGN_EPOCH_MS + Math.floor(unit(this.seed, 1, k, 1) * 6 * 24) * HOUR;
    return {
      kind: 'campaign',
      brand: this.brands[Math.floor(unit(this.seed, 1, k, 0) * this.brands.length)]!.id,
      startMs,
      endMs: startMs + (3 + Math.floor(unit(this.seed, 1, k, 2) * 3)) * DAY,
      strength: 1.6 + 0.8 * unit(this.seed, 1, k, 3),
    };
  }

  private majorBuzz(k: number): Episode {
    // The own brand takes a good share of them: that is what a team wants to see coming.
    const own = unit(this.seed, 2, k, 0) < 0.4;
    const brandIndex = own ? this.ownIndex : Math.floor(unit(this.seed, 2, k, 1) * this.brands.length);
    const startMs = k * BUZZ_EPOCH_MS + 2 * DAY + Math.floor(unit(this.seed, 2, k, 2) * 25 * 24) * HOUR;
    return {
      kind: 'bad_buzz',
      brand: this.brands[brandIndex]!.id,
      startMs,
      endMs: startMs + (24 + Math.floor(unit(this.seed, 2, k, 3) * 25)) * HOUR,
      strength: 1,
    };
  }

  private shortBuzz(k: number): Episode | undefined {
    if (unit(this.seed, 3, k, 0) >= SHORT_BUZZ_CHANCE) return undefined;
    const startMs = k * SHORT_BUZZ_SLOT_MS + Math.floor(unit(this.seed, 3, k, 1) * 12) * 15 * MINUTE;
    return {
      kind: 'bad_buzz',
      brand: this.brands[Math.floor(unit(this.seed, 3, k, 2) * this.brands.length)]!.id,
      startMs,
      endMs: startMs + (60 + Math.floor(unit(this.seed, 3, k, 3) * 90)) * MINUTE,
      strength: 0.6,
    };
  }
}

/** The counter metrics a source reports, in the order they are emitted. */
function countersOf(layout: Layout): string[] {
  const sentiment = ['mentions', 'positive_mentions', 'negative_mentions', 'neutral_mentions'];
  switch (layout.kind) {
    case 'search':
      return ['impressions', 'clicks', 'brand_searches'];
    case 'web':
      return ['visits', 'conversions', 'bounces'];
    case 'store':
      return ['app_downloads'];
    case 'social':
      return ['posts', 'reach', 'engagements', ...sentiment];
    case 'media':
      return [...sentiment, 'potential_reach'];
    case 'viral':
      return ['views', 'likes', 'comments', 'shares', ...(layout.mentions ? sentiment : [])];
  }
}

/** Events a group emits per live visit (gauges aside), to pace the stream. */
const groupSize = (group: Group) => countersOf(group.layout).length;

/**
 * The live stream: visits the groups round-robin, each visit emitting what the group accumulated
 * since its previous one, so that totals per hour stay realistic whatever the event rate.
 */
export class LiveCursor {
  private readonly last: number[];
  private readonly lastGauge: number[];
  private next = 0;
  private credit = 0;
  private previousMs: number;

  constructor(
    private readonly market: Market,
    startMs: number,
  ) {
    this.last = market.groups.map(() => startMs);
    this.lastGauge = market.groups.map(() => -Infinity);
    this.previousMs = startMs;
  }

  /**
   * About `budget` events (exactly, on average over calls) for the time since the previous call,
   * stamped evenly across it and never after `nowMs`.
   */
  take(nowMs: number, budget: number): MarketEvent[] {
    const out: MarketEvent[] = [];
    const groups = this.market.groups;
    const largest = Math.max(...groups.map(groupSize)) + 1;
    // Unspent credit carries over (low rates still average out), but never piles into a burst.
    this.credit = Math.min(this.credit + budget, budget + largest);
    const spanStart = Math.min(this.previousMs, nowMs);
    const span = nowMs - spanStart;
    const planned = Math.max(1, this.credit);
    while (this.credit > 0) {
      const group = groups[this.next]!;
      const ts = Math.floor(spanStart + (span * Math.min(planned, out.length + groupSize(group))) / planned);
      const due = ts - this.lastGauge[group.index]! >= LIVE_GAUGE_EVERY_MS && GAUGES[group.layout.kind];
      const size = groupSize(group) + (due ? 1 : 0);
      if (size > this.credit && out.length > 0) break;
      const from = Math.min(this.last[group.index]!, ts);
      this.market.counters(group, from, ts, ts, true, out);
      this.last[group.index] = ts;
      if (due) {
        this.market.gauges(group, ts, out);
        this.lastGauge[group.index] = ts;
      }
      this.credit -= size;
      this.next = (this.next + 1) % groups.length;
    }
    this.previousMs = nowMs;
    return out;
  }
}

function rampOf(ms: number, start: number, end: number, rampUp: number, rampDown: number): number {
  if (ms < start || ms >= end) return 0;
  return Math.min(1, (ms - start) / rampUp, (end - ms) / rampDown);
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness: a hash of (seed, what, when) seeds a small PRNG, so every value is reproducible.

/** murmur3-style mix of 53-bit safe integers (each as two 32-bit halves). */
export function hash(...values: number[]): number {
  let h = 0x9747b28c;
  const step = (k: number) => {
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  };
  for (const v of values) {
    const n = Math.floor(v);
    step(n | 0);
    step(Math.floor(n / 4294967296) | 0);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) determined by the values. */
const unit = (...values: number[]) => hash(...values) / 4294967296;

/** Roughly standard normal (a sum of three uniforms), bounded at ±3. */
const gauss = (rng: () => number) => (rng() + rng() + rng() - 1.5) * 2;

/** Rounds up with the probability of the fraction, so small flows keep their expected totals. */
const stochasticRound = (x: number, rng: () => number) => {
  const floor = Math.floor(x);
  return floor + (rng() < x - floor ? 1 : 0);
};
