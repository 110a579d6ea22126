// Ids a person does not have to invent: derived from the name they type ("Léa Nature" →
// "lea-nature"), in the hub's id alphabet, and still editable.

import { ID_PATTERN } from '../../../shared/vocabulary.js';

const ID = new RegExp(ID_PATTERN);

export const isId = (text: string) => ID.test(text);

export function idFromName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '') // accents off: é → e
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

/** `base`, or `base-2`, `base-3` … : the first not in `taken`. */
export function freeId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const id = `${base.slice(0, 60)}-${n}`;
    if (!taken.has(id)) return id;
  }
}
