import { describe, expect, it } from 'vitest';
import type { CommitChange } from '../../server/ingest/changes.js';
import { AlertService } from '../../server/alerts/rules.js';
import { QualityCounters } from '../../server/alerts/quality.js';

const change = (at: number, over: Partial<CommitChange> = {}): CommitChange => ({
  workspace: 'w',
  workspaceKey: 1,
  metrics: ['mentions'],
  allMetrics: false,
  sources: ['x'],
  rejectedSources: [],
  fromMs: at - 1000,
  toMs: at - 1000,
  rows: 10,
  rejected: {},
  committedAt: at,
  ...over,
});

function service() {
  const quality = new QualityCounters();
  const saved: string[] = [];
  const alerts = new AlertService(quality, (_w, alert) => saved.push(`${alert.kind}:${alert.acknowledged}`));
  const record = (c: CommitChange) => {
    quality.record(c);
    alerts.record(c);
  };
  return { alerts, record, saved };
}

describe('data-quality alerts', () => {
  it('raise once when a source stays silent past five of its usual gaps (and a minute)', () => {
    const { alerts, record, saved } = service();
    const t0 = Date.parse('2026-03-10T10:00:00Z');
    // x sends every 20 s.
    for (let i = 0; i < 5; i++) record(change(t0 + i * 20_000));
    const last = t0 + 80_000;
    expect(alerts.check(last + 90_000)).toEqual([]); // 90 s < 5 × 20 s
    expect(alerts.check(last + 101_000)).toEqual(['w']);
    const [alert] = alerts.list('w');
    expect(alert).toMatchObject({ kind: 'source_silent', subject: { source: 'x' }, acknowledged: false });
    expect(alert!.message.en).toContain('"x"');
    expect(alert!.message.fr).toContain('«\u202fx\u202f»');
    expect(alerts.check(last + 200_000)).toEqual([]); // not twice for one silence
    // It speaks again, then falls silent again: a new alert.
    for (let i = 0; i < 3; i++) record(change(last + 300_000 + i * 20_000));
    expect(alerts.check(last + 300_000 + 40_000 + 101_000)).toEqual(['w']);
    expect(alerts.list('w')).toHaveLength(2);
    expect(saved).toEqual(['source_silent:false', 'source_silent:false']);
  });

  it('never call a source silent while it sends rows that are rejected: that is a rejection, not a silence', () => {
    const { alerts, record } = service();
    const t0 = Date.parse('2026-03-10T10:00:00Z');
    for (let i = 0; i < 5; i++) record(change(t0 + i * 20_000));
    // From then on every row of x is refused (an unknown brand): nothing stored, but x still sends.
    for (let i = 5; i < 20; i++) {
      record(
        change(t0 + i * 20_000, {
          sources: [],
          rejectedSources: ['x'],
          rows: 0,
          rejected: { unknown_brand: 1 },
        }),
      );
    }
    alerts.check(t0 + 19 * 20_000 + 1000);
    expect(alerts.list('w').filter((a) => a.kind === 'source_silent')).toEqual([]);
  });

  it('raise a burst of rejected rows, at most once in five minutes, and take an acknowledgement', () => {
    const { alerts, record, saved } = service();
    const t0 = Date.parse('2026-03-10T10:00:00Z');
    record(change(t0, { rows: 100, rejected: { unknown_brand: 30 } }));
    expect(alerts.check(t0 + 1000)).toEqual([]); // 30 rejected: below 50
    record(change(t0 + 2000, { rows: 100, rejected: { unknown_brand: 30 } }));
    expect(alerts.check(t0 + 3000)).toEqual(['w']);
    const [burst] = alerts.list('w');
    expect(burst).toMatchObject({ kind: 'rejected_burst', severity: 'critical' });
    expect(burst!.message.en).toMatch(/^60 rows rejected/);
    record(change(t0 + 4000, { rows: 0, rejected: { unknown_brand: 100 } }));
    expect(alerts.check(t0 + 5000)).toEqual([]); // cooling down
    const before = alerts.version('w');
    expect(alerts.acknowledge('w', burst!.id)).toMatchObject({ acknowledged: true });
    expect(alerts.version('w')).toBeGreaterThan(before);
    expect(saved).toEqual(['rejected_burst:false', 'rejected_burst:true']);
    expect(alerts.acknowledge('w', 'nope')).toBeUndefined();
  });

  it('ignore a steady share of rejects under ten per cent', () => {
    const { alerts, record } = service();
    const t0 = Date.parse('2026-03-10T10:00:00Z');
    record(change(t0, { rows: 1000, rejected: { out_of_range: 60 } }));
    expect(alerts.check(t0 + 1000)).toEqual([]);
  });
});
