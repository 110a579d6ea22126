import { describe, expect, it } from 'vitest';
import { describeChanges } from '../../server/ingest/changes.js';
import type { WriteJob } from '../../server/ingest/write-job.js';
import { decodeNdjson } from '../../server/ingest/decode/ndjson.js';
import { validate } from '../../server/ingest/validate.js';
import type { WorkspaceState } from '../../server/workspaces/service.js';

describe('what a commit says it changed', () => {
  it('names the sources whose rows were all rejected apart from those it stored', async () => {
    const workspace = {
      id: 'w',
      key: 1,
      timezone: 'UTC',
      brands: [{ id: 'acme', name: 'Acme', own: true }],
      metrics: new Map(),
    } as unknown as WorkspaceState;
    const ts = new Date(Date.now() - 60_000).toISOString();
    const rows = [
      { ts, brand: 'acme', touchpoint: 'social', source: 'x', metric: 'mentions', value: 1 },
      { ts, brand: 'nobody', touchpoint: 'social', source: 'press_feed', metric: 'mentions', value: 1 },
    ];
    const body = Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n'));
    const batch = await decodeNdjson(body);
    const validated = await validate(batch, workspace, { minMs: 0, maxMs: Date.now() + 86_400_000 });
    expect(validated.rejectedSources).toEqual(['press_feed']);
    const [change] = describeChanges([{ workspace, ...validated } as unknown as WriteJob], Date.now());
    expect(change!.sources).toEqual(['x']);
    expect(change!.rejectedSources).toEqual(['press_feed']);
  });
});
