// The last check before a report leaves: a hidden brand's name anywhere in the message (subject,
// HTML, text, the CSV) fails that recipient's send.
import { describe, expect, it } from 'vitest';
import { leakIn } from '../../server/reports/leak.js';
import type { OutgoingMail } from '../../server/reports/mailer.js';

const mail = (parts: Partial<OutgoingMail>): OutgoingMail => ({
  to: 'ana@client.example',
  messageId: '<m@test>',
  subject: 'Weekly report',
  html: '<p>Acme leads share of voice.</p>',
  text: 'Acme leads share of voice.',
  attachments: [{ filename: 'benchmark.csv', content: 'kpi,brand,value\nmentions,acme,10\n' }],
  ...parts,
});

describe('leakIn', () => {
  it('finds a hidden name in the subject, the HTML, the text or the CSV, in any case', () => {
    expect(leakIn(mail({ subject: 'Globex overtook you' }), ['Globex'])).toBe('Globex');
    expect(leakIn(mail({ html: '<td>GLOBEX</td>' }), ['Globex'])).toBe('Globex');
    expect(leakIn(mail({ text: 'behind globex.' }), ['Globex'])).toBe('Globex');
    expect(
      leakIn(mail({ attachments: [{ filename: 'b.csv', content: 'mentions,Globex Corp,3' }] }), [
        'Globex Corp',
      ]),
    ).toBe('Globex Corp');
  });

  it('matches whole words only, and passes a message that names none', () => {
    expect(leakIn(mail({ text: 'Initechnology is a word, not a brand.' }), ['Initech'])).toBeUndefined();
    expect(leakIn(mail({}), ['Globex', 'Initech'])).toBeUndefined();
    expect(leakIn(mail({ text: 'Globex' }), [])).toBeUndefined();
  });

  it('reads names with regex characters literally', () => {
    expect(leakIn(mail({ text: 'A+B (beta) grew' }), ['A+B (beta)'])).toBe('A+B (beta)');
    expect(leakIn(mail({ text: 'AAB (beta) grew' }), ['A+B (beta)'])).toBeUndefined();
  });
});
