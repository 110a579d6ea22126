// Dictionaries as a stream sends them: a first batch, then deltas appended to it, each batch of a
// column seeing the entries sent before it. Entries are decoded once per reader and reused by every
// batch; the rows' indices are looked up in them.
import { type Column, type DictSnapshot, type Entries, i32, smallInts } from './arrow-buffers.js';

export const emptySnapshot = (): DictSnapshot => ({
  chain: { parts: [], length: 0, cache: new Map() },
  length: 0,
});

/**
 * A snapshot's entries as `key` decodes them: `extend` allocates room for the whole chain, keeping
 * the entries already decoded (deltas only append), and `decode` fills in the parts after them.
 */
export function decodedEntries<E extends Entries>(
  snapshot: DictSnapshot,
  key: unknown,
  extend: (previous: E | undefined, length: number) => E,
  decode: (part: Column, into: E, at: number) => void,
): E {
  const chain = snapshot.chain;
  const previous = chain.cache.get(key) as E | undefined;
  if (previous && previous.length >= snapshot.length) return previous;
  const entries = extend(previous, chain.length);
  let at = 0;
  for (const part of chain.parts) {
    if (!previous || at + part.length > previous.length) decode(part.load(), entries, at);
    at += part.length;
  }
  chain.cache.set(key, entries);
  return entries;
}

/**
 * The rows' dictionary indices: row i's is `words[i * step]`. A 64-bit index (step 2) is read as
 * its low word and holds only when its high word is 0: past 2^31, it is past any dictionary.
 */
export function dictionaryIndices(col: Column): { words: ArrayLike<number>; step: 1 | 2 } {
  const index = col.field.dictionary!.index;
  const data = col.buffers[0]!;
  return index.bits < 64
    ? { words: smallInts(data, index.bits, index.signed), step: 1 }
    : { words: i32(data), step: 2 };
}

/** The dictionary part and row holding entry k. */
export function entryAt(snapshot: DictSnapshot, k: number): [Column, number] | null {
  if (!(k >= 0 && k < snapshot.length)) return null;
  for (const part of snapshot.chain.parts) {
    if (k < part.length) return [part.load(), k];
    k -= part.length;
  }
  return null;
}
