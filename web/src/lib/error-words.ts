// What an error says on screen. The hub's messages are written for the developer of a producer or
// a script (they name fields, paths and ids, in English); a marketer reads the words of this table
// instead, in their language, with what to do next. A code the table does not know keeps the
// hub's message and hint, without the code.

export interface ShownError {
  message: string;
  hint: string;
}

export interface ErrorLike {
  code: string;
  message: string;
  hint: string;
}

/** The codes with words of their own in `errors.codes` (both message files have them). */
export const WORDED_CODES = [
  'unauthenticated',
  'bad_credentials',
  'too_many_attempts',
  'weak_password',
  'forbidden',
  'cross_site_request',
  'unknown_workspace',
  'invalid_workspace',
  'unknown_kpi',
  'not_found',
  'invalid_query',
  'invalid_request',
  'not_enough_history',
  'network_error',
  'server_error',
  'busy',
  'too_many_live',
  'client_error',
] as const;
type WordedCode = (typeof WORDED_CODES)[number];

/** Codes that mean the same thing to a reader, under one entry. */
function entryOf(code: string): WordedCode | null {
  if (/^http_5\d\d$/.test(code) || code === 'internal_error' || code === 'internal') return 'server_error';
  if (code === 'invalid_response' || code === 'stored_data_invalid') return 'server_error';
  if (code === 'shutting_down' || code === 'commit_failed' || code === 'http_503') return 'busy';
  if (code === 'too_many_subscriptions' || code === 'too_many_sockets') return 'too_many_live';
  if (code === 'invalid_message' || code === 'bad_url' || code === 'url_too_long') return 'client_error';
  return (WORDED_CODES as readonly string[]).includes(code) ? (code as WordedCode) : null;
}

/**
 * The words for `error`. Some hub messages are already plain and specific (a password's length, a
 * brand given twice): those codes keep the hub's message as the hint when the reader's language
 * is English, where it adds what the general words cannot.
 */
export function errorWords(error: ErrorLike, t: (key: string) => string, locale: string): ShownError {
  const entry = entryOf(error.code);
  if (entry === null) return { message: error.message, hint: error.hint };
  const words = { message: t(`errors.codes.${entry}.message`), hint: t(`errors.codes.${entry}.hint`) };
  const specific =
    entry === 'weak_password' || entry === 'invalid_workspace' || entry === 'too_many_attempts';
  if (specific && locale.startsWith('en')) return { message: words.message, hint: error.message };
  return words;
}

/** One sentence for a note under a chart: what is missing, then what to do. */
export function errorNote(error: ErrorLike, t: (key: string) => string, locale: string): string {
  const { message, hint } = errorWords(error, t, locale);
  return hint ? `${message} ${hint}` : message;
}
