// The small page an unsubscribe link opens, in the report's language: a confirm button (opening
// a link must change nothing: mail scanners open them), then what happened.
import { escapeHtml } from '../../shared/escape-html.js';

const WORDS = {
  en: {
    ask: (name: string, email: string) => `Stop sending “${name}” to ${email}?`,
    button: 'Unsubscribe',
    done: (name: string, email: string) => `${email} will no longer receive “${name}”.`,
    invalid:
      'This unsubscribe link is not valid: the report may have been deleted. Ask the person who sends it.',
  },
  fr: {
    ask: (name: string, email: string) => `Ne plus envoyer «\u202f${name}\u202f» à ${email}\u202f?`,
    button: 'Se désabonner',
    done: (name: string, email: string) => `${email} ne recevra plus «\u202f${name}\u202f».`,
    invalid:
      'Ce lien de désabonnement n’est pas valide\u202f: le rapport a peut-être été supprimé. Demandez à la personne qui l’envoie.',
  },
};

export function unsubscribePage(
  state: 'ask' | 'done' | 'invalid',
  language: 'en' | 'fr',
  name: string,
  email: string,
): string {
  const w = WORDS[language];
  const body =
    state === 'ask'
      ? `<p>${escapeHtml(w.ask(name, email))}</p><form method="post"><button type="submit" style="padding:10px 16px;font:inherit;background:#ff7a1a;color:#fff;border:0;border-radius:6px;cursor:pointer">${escapeHtml(w.button)}</button></form>`
      : `<p>${escapeHtml(state === 'done' ? w.done(name, email) : w.invalid)}</p>`;
  return `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Convergence</title></head><body style="font-family:system-ui,sans-serif;background:#0b1119;color:#e6ebf2;display:flex;justify-content:center;padding:64px 16px"><main style="max-width:480px;background:#121a25;padding:24px 28px;border-radius:8px"><h1 style="font-size:18px;margin:0 0 12px">Convergence</h1>${body}</main></body></html>`;
}
