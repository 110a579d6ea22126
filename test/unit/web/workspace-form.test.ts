// The workspace form: brand ids made from the names typed, and why it cannot be saved yet.
import { describe, expect, it } from 'vitest';
import { freeId, idFromName, isId } from '../../../web/src/lib/ids.js';
import { workspaceProblems } from '../../../web/src/lib/workspace-problems.js';

describe('ids from names', () => {
  it('turns what a person types into an id the hub takes', () => {
    expect(idFromName('Léa Nature')).toBe('lea-nature');
    expect(idFromName('  L’Oréal Paris  ')).toBe('l-oreal-paris');
    expect(idFromName('Marks & Spencer')).toBe('marks-and-spencer');
    expect(idFromName('Ça va?!')).toBe('ca-va');
    expect(idFromName('!!!')).toBe('');
    const long = idFromName('a '.repeat(80));
    expect(long.length).toBeLessThanOrEqual(64);
    expect(isId(long)).toBe(true);
  });

  it('numbers an id another brand already has', () => {
    expect(freeId('acme', new Set(['globex']))).toBe('acme');
    expect(freeId('acme', new Set(['acme', 'acme-2']))).toBe('acme-3');
  });
});

describe('why the workspace cannot be saved', () => {
  const zones = new Set(['UTC', 'Europe/Paris']);
  const form = {
    name: 'North market',
    timezone: 'Europe/Paris',
    brands: [
      { id: 'acme', name: 'Acme', own: true },
      { id: 'globex', name: 'Globex', own: false },
    ],
  };

  it('finds nothing to say about a good form', () => {
    expect(workspaceProblems(form, zones)).toEqual([]);
  });

  it('names each field that stops the save, and why', () => {
    const problems = workspaceProblems(
      {
        name: ' ',
        timezone: 'Paris',
        brands: [
          { id: 'acme', name: 'Acme', own: false },
          { id: 'acme', name: 'Acme bis', own: false },
          { id: 'Bad Id', name: 'Initech', own: false },
          { id: '', name: '', own: false },
        ],
      },
      zones,
    );
    expect(problems.map((p) => [p.field, p.key])).toEqual([
      ['name', 'name'],
      ['timezone', 'timezone'],
      ['brands', 'ownCount'],
      ['brand-1-id', 'brandIdTwice'],
      ['brand-2-id', 'brandId'],
      // A row still empty is asked for its name only: its id follows from it.
      ['brand-3-name', 'brandName'],
    ]);
    expect(problems[3]!.params).toEqual({ brand: 'Acme bis', id: 'acme' });
  });

  it('asks for a brand when the set is empty', () => {
    expect(workspaceProblems({ ...form, brands: [] }, zones).map((p) => p.key)).toEqual(['noBrand']);
  });
});
