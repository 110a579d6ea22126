// French typography for text shown to people: a narrow no-break space (U+202F) before the high
// punctuation : ; ! ? and before % and », and after «, so that a line never breaks between them
// and the mark sits where a French reader expects it. English text is left as it is.

export const NARROW_NBSP = '\u202f';

/** A space before one of these marks becomes narrow and no-break; "12:30" and URLs are untouched. */
const BEFORE = /[ \u00a0]([:;!?%»])/g;
const AFTER = /« ?/g;

/** `text` with French spacing: "Prévision : 80 %" → "Prévision\u202f: 80\u202f%". */
export function frenchTypography(text: string): string {
  return text.replace(BEFORE, `${NARROW_NBSP}$1`).replace(AFTER, `«${NARROW_NBSP}`);
}

/** Every string of a message tree, typeset in French (the web app's French messages). */
export function typesetFrench<T>(messages: T): T {
  if (typeof messages === 'string') return frenchTypography(messages) as T;
  if (Array.isArray(messages)) return messages.map((m: unknown) => typesetFrench(m)) as T;
  if (messages !== null && typeof messages === 'object') {
    return Object.fromEntries(
      Object.entries(messages as Record<string, unknown>).map(([key, value]) => [key, typesetFrench(value)]),
    ) as T;
  }
  return messages;
}
