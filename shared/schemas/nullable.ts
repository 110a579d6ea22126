import { Type } from 'typebox';

/** A value that may be null (a KPI without data, a rank without a value). */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
