// Why the workspace form cannot be saved yet, field by field, in the reader's words: the Save
// button says nothing by being greyed out alone.
import { isId } from './ids.js';

export interface BrandRow {
  id: string;
  name: string;
  own: boolean;
}

export interface Problem {
  /** The field it is about: `name`, `timezone`, `brands`, `brand-<row>-name`, `brand-<row>-id`. */
  field: string;
  /** A key under `settings.problems`. */
  key: 'name' | 'timezone' | 'noBrand' | 'ownCount' | 'brandName' | 'brandId' | 'brandIdTwice';
  params?: Record<string, string | number>;
}

export function workspaceProblems(
  form: { name: string; timezone: string; brands: readonly BrandRow[] },
  zones: ReadonlySet<string>,
): Problem[] {
  const problems: Problem[] = [];
  if (!form.name.trim()) problems.push({ field: 'name', key: 'name' });
  if (!zones.has(form.timezone))
    problems.push({ field: 'timezone', key: 'timezone', params: { zone: form.timezone } });
  if (form.brands.length === 0) problems.push({ field: 'brands', key: 'noBrand' });
  else {
    const own = form.brands.filter((b) => b.own).length;
    if (own !== 1) problems.push({ field: 'brands', key: 'ownCount', params: { n: own } });
  }
  const seen = new Map<string, number>();
  form.brands.forEach((brand, i) => {
    const row = i + 1;
    const label = brand.name.trim() || String(row);
    if (!brand.name.trim()) problems.push({ field: `brand-${i}-name`, key: 'brandName', params: { row } });
    // A row still empty needs a name first; its id will follow from it.
    const empty = !brand.id && !brand.name.trim();
    if (!isId(brand.id) && !empty)
      problems.push({ field: `brand-${i}-id`, key: 'brandId', params: { brand: label } });
    else if (seen.has(brand.id)) {
      problems.push({ field: `brand-${i}-id`, key: 'brandIdTwice', params: { brand: label, id: brand.id } });
    } else seen.set(brand.id, i);
  });
  return problems;
}
