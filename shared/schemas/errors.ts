import { Type, type Static } from 'typebox';

/** Every whole-request error the API returns: something a person can act on. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable snake_case code, see the error table of docs/api.md' }),
      message: Type.String({ description: 'what went wrong, and where' }),
      hint: Type.String({ description: 'how to fix it' }),
    }),
  },
  { $id: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;
