import { Type } from 'typebox';

// Every string a client sends has a length bound, so that no request can make the server hold or
// echo an unbounded text. Ids have at most 64 characters everywhere in the API.

type StringOptions = Parameters<typeof Type.String>[0];

/** An id (workspace, brand, KPI, metric, source, time zone …). */
export const IdText = (options: StringOptions = {}) => Type.String({ maxLength: 64, ...options });
/** A comma-separated list of ids. */
export const ListText = (options: StringOptions = {}) => Type.String({ maxLength: 2000, ...options });
/** An instant or a window name (ISO 8601, `now`, `7d` …). */
export const TimeText = (options: StringOptions = {}) => Type.String({ maxLength: 40, ...options });
