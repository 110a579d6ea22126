// What an error says on screen, in both languages: words a marketer can act on, never the hub's
// codes, API paths or parameter names.
import { describe, expect, it } from 'vitest';
import { errorWords, WORDED_CODES } from '../../../web/src/lib/error-words.js';
import en from '../../../web/src/messages/en.js';
import fr from '../../../web/src/messages/fr.js';

/** Every string of a message tree, with its key. */
function strings(tree: object, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string'
      ? [[prefix + key, value] as [string, string]]
      : strings(value as object, `${prefix}${key}.`),
  );
}
const translate = (messages: object) => {
  const table = new Map(strings(messages));
  return (key: string) => table.get(key) ?? key;
};

const hubError = (code: string, message = 'Workspace "acme" does not exist.') => ({
  code,
  message,
  hint: 'Create it first with PUT /api/v1/workspaces/acme, or list workspaces with GET /api/v1/workspaces.',
});

describe('error words', () => {
  it('has a message and a hint of its own for every worded code, in English and French', () => {
    for (const code of WORDED_CODES) {
      for (const [locale, messages] of [
        ['en', en],
        ['fr', fr],
      ] as const) {
        const shown = errorWords(hubError(code), translate(messages), locale);
        expect(shown.message, `${locale} ${code}`).not.toMatch(/^errors\.|\/api\/|"acme"/);
        expect(shown.hint, `${locale} ${code}`).not.toMatch(/^errors\.|\/api\/|PUT|GET/);
      }
    }
  });

  it('says a missing workspace in words, not with the hub’s API hint', () => {
    expect(errorWords(hubError('unknown_workspace'), translate(fr), 'fr')).toEqual({
      message: 'Cet espace de travail n’existe pas, ou vous n’en êtes pas membre.',
      hint: 'Choisissez un autre espace, ou demandez à un administrateur de celui-ci de vous ajouter.',
    });
  });

  it('groups what means the same to a reader: any server fault, a busy hub', () => {
    const words = (code: string) => errorWords(hubError(code), translate(en), 'en').message;
    expect(words('http_502')).toBe('The hub could not do this.');
    expect(words('internal_error')).toBe('The hub could not do this.');
    expect(words('invalid_response')).toBe('The hub could not do this.');
    expect(words('commit_failed')).toBe('The hub is restarting or busy: nothing was changed.');
  });

  it('keeps a plain, specific hub message as the hint in English (a password’s length)', () => {
    const weak = {
      code: 'weak_password',
      message: 'The password has 5 characters; it needs at least 12.',
      hint: '…',
    };
    expect(errorWords(weak, translate(en), 'en')).toEqual({
      message: 'This password is too easy to guess.',
      hint: 'The password has 5 characters; it needs at least 12.',
    });
    // Not in French: the hub speaks English only.
    expect(errorWords(weak, translate(fr), 'fr').hint).toMatch(/^Au moins 12 caractères/);
  });
});

describe('the message files', () => {
  it('name no API path, HTTP verb or query parameter', () => {
    for (const [locale, messages] of [
      ['en', en],
      ['fr', fr],
    ] as const) {
      for (const [key, text] of strings(messages)) {
        expect(text, `${locale} ${key}`).not.toMatch(/\/api\/|\b(GET|PUT|POST|DELETE) \/|\b[a-z]+=/);
      }
    }
  });
});
