import { describe, expect, it, vi } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { parseStored, storedOrFail, storedOrSkip } from '../../server/db/stored.js';
import { ApiError } from '../../server/errors.js';
import { CustomKpiDefinition } from '../../shared/schemas/kpi-definition.js';
import { WallLayout } from '../../shared/schemas/live.js';
import { Objective, StoredObjective } from '../../shared/schemas/objectives.js';

const objective = (from: string) =>
  JSON.stringify({
    id: 'o',
    kpi: 'visits',
    brand: 'acme',
    period: { from, to: '2026-04-01T00:00:00Z' },
    target: 1,
    direction: 'at_least',
  });
const kpi = (tree: unknown) =>
  JSON.stringify({
    id: 'k',
    label: { en: 'K', fr: 'K' },
    touchpoints: ['site'],
    group: 'site',
    formula: { kind: 'custom', text: 'sum(visits) / 2', tree },
    unit: 'count',
    direction: 'higher',
    shareable: false,
  });
const problem = (read: ReturnType<typeof parseStored>) => ('problem' in read ? read.problem : undefined);

describe('stored JSON', () => {
  it('takes every date-time the API takes (Ajv’s syntax, not TypeBox’s stricter one)', () => {
    for (const from of [
      '2026-03-01T00:00:00Z',
      '2026-03-01T00:00:00+0100',
      '2026-03-01t00:00:00.5z',
      '2026-03-01T00:00:00-05:30',
    ])
      expect(problem(parseStored(StoredObjective, objective(from))), from).toBeUndefined();
    expect(problem(parseStored(StoredObjective, objective('yesterday')))).toMatch(/^\/period\/from /);
    // Stored before objectives had a risk threshold: read as stored (the service fills in 0.5),
    // though the API's Objective, which always has one, would refuse it.
    expect(problem(parseStored(Objective, objective('2026-03-01T00:00:00Z')))).toMatch(/riskThreshold/);
  });

  it('says what is wrong: not JSON, a property too many, a damaged node deep in a formula', () => {
    expect(problem(parseStored(WallLayout, '{"kpis":'))).toMatch(/^it is not JSON \(/);
    const wall = { kpis: ['visits'], boards: ['tiles'], window: '24h', rotateSeconds: 30 };
    expect(problem(parseStored(WallLayout, JSON.stringify(wall)))).toBeUndefined();
    expect(problem(parseStored(WallLayout, JSON.stringify({ ...wall, theme: 'dark' })))).toMatch(/^\/theme /);
    const sum = { type: 'aggregate', fn: 'sum', metric: 'visits', where: [] };
    const tree = (right: unknown) => ({ type: 'binary', op: '/', left: sum, right });
    expect(
      problem(parseStored(CustomKpiDefinition, kpi(tree({ type: 'number', value: 2 })))),
    ).toBeUndefined();
    expect(problem(parseStored(CustomKpiDefinition, kpi(tree({ type: 'number', value: '2' }))))).toMatch(
      /^\/formula\/tree\/right/,
    );
  });

  it('skips with a warning naming the row, or fails with a 500 naming it and saying how to replace it', () => {
    const warn = vi.fn();
    const log = { warn } as unknown as FastifyBaseLogger;
    const at = { table: 'wall_layouts', what: 'wall layout', workspace: 'acme' };
    expect(storedOrSkip(log, WallLayout, '[]', at)).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ table: 'wall_layouts', workspace: 'acme', problem: expect.any(String) }),
      expect.stringMatching(
        /^the stored wall layout of workspace "acme" \(table wall_layouts\) is unreadable/,
      ),
    );
    let error: unknown;
    try {
      storedOrFail(WallLayout, '[]', at, 'Save it again.');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 500, code: 'stored_data_invalid', hint: 'Save it again.' });
    expect((error as ApiError).message).toMatch(
      /^The stored wall layout of workspace "acme" \(table wall_layouts\) cannot be read: /,
    );
  });
});
