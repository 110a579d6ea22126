import { Type, type TLiteral, type TUnion } from 'typebox';

/** One literal per value of a constant list (the list stays the one definition). */
type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };
export const literals = <const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
): TUnion<Literals<T>> =>
  // map() forgets the tuple: the literals are those of `values`, in order.
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as TUnion<Literals<T>>;
