// The last check before a message leaves: the names of the brands its recipient may not see
// (scope.ts's hiddenNames) searched for in everything it carries. Never hit by design (the
// document holds no hidden brand); checked all the same.
import type { OutgoingMail } from './mailer.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The first hidden name that appears in a message (as a whole word, any case). */
export function leakIn(mail: OutgoingMail, names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  const parts = [
    mail.subject ?? '',
    String(mail.html ?? ''),
    String(mail.text ?? ''),
    ...(mail.attachments ?? []).map((a) => (typeof a.content === 'string' ? a.content : '')),
  ].join('\n');
  return names.find((name) =>
    new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(name)}($|[^\\p{L}\\p{N}])`, 'iu').test(parts),
  );
}
