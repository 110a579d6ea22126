import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../shared/live.js';
import { alertsOf } from '../../../web/src/lib/parts.js';

const alert = (id: string, patch: Partial<Alert>): Alert => ({
  id,
  kind: 'anomaly',
  severity: 'critical',
  message: { en: id, fr: id },
  at: '2025-03-10T12:00:30.000Z',
  acknowledged: false,
  subject: {},
  ...patch,
});

describe('the order of the alerts list', () => {
  it('puts the newest first, and in a burst the critical and most outlying first', () => {
    const data = Object.fromEntries(
      [
        alert('older', { at: '2025-03-10T11:00:30.000Z', lo: 0, hi: 10, value: 500 }),
        alert('warning', { severity: 'warning', lo: 0, hi: 10, value: 400 }),
        alert('reach', { lo: 100, hi: 200, value: 260 }), // 0.6 band widths above
        alert('mentions', { lo: 100, hi: 200, value: 900 }), // 7 band widths above
        alert('sentiment', { lo: 0.2, hi: 0.4, value: -0.2 }), // 2 band widths below
        alert('rule', { kind: 'rule' }),
      ].map((a) => [`alert:${a.id}`, a]),
    );
    expect(alertsOf(data).map((a) => a.id)).toEqual([
      'mentions',
      'sentiment',
      'reach',
      'rule',
      'warning',
      'older',
    ]);
  });
});
