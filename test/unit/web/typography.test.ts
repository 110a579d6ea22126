import { describe, expect, it } from 'vitest';
import { formatChange, formatValue } from '../../../shared/format.js';
import { frenchTypography, NARROW_NBSP, typesetFrench } from '../../../shared/typography.js';
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

describe('French typography', () => {
  it('puts a narrow no-break space before : ; ! ? % and inside « »', () => {
    expect(frenchTypography('Pas de prévision : trop tôt ; revenez !')).toBe(
      `Pas de prévision${NARROW_NBSP}: trop tôt${NARROW_NBSP}; revenez${NARROW_NBSP}!`,
    );
    expect(frenchTypography('Prévision (80 % / 95 %)')).toBe(
      `Prévision (80${NARROW_NBSP}% / 95${NARROW_NBSP}%)`,
    );
    expect(frenchTypography('L’objectif « ventes » est menacé')).toBe(
      `L’objectif «${NARROW_NBSP}ventes${NARROW_NBSP}» est menacé`,
    );
  });

  it('leaves times, ratios and addresses alone', () => {
    expect(frenchTypography('à 12:30, ratio 3:1, https://hub.example:8080/wall')).toBe(
      'à 12:30, ratio 3:1, https://hub.example:8080/wall',
    );
  });

  it('typesets every French message of the app, and no English one', () => {
    const typeset = strings(typesetFrench(fr));
    const badlySpaced = typeset.filter(([, text]) => / [:;!?%»]|« /.test(text));
    expect(badlySpaced).toEqual([]);
    // The English messages keep plain English spacing: no space before a colon, ever.
    expect(strings(en).filter(([, text]) => /[ \u202f]:(?!\/)/.test(text))).toEqual([]);
  });

  it('agrees with the number formats, which already space French percentages', () => {
    expect(formatChange(0.125, 'fr')).toBe(`+12,5${NARROW_NBSP}%`);
    expect(formatValue(0.25, 'percent', 'fr')).toBe(`25,0${NARROW_NBSP}%`);
  });

  it('has every touchpoint in French', () => {
    expect(fr.touchpoints.site).not.toBe(en.touchpoints.site);
  });
});
