import { ID_PATTERN } from '../vocabulary.js';
import { Type, type Static } from 'typebox';
import { WINDOW_NAMES, type WindowName } from '../windows.js';
import { Nullable } from './nullable.js';
import { IdText } from './text.js';

// Alert rules: a condition on a KPI of some brands that raises a `rule` alert (GET …/alerts) when it
// holds. Values are in the KPI's unit: a percent KPI is a fraction (0.2 is 20 %), as everywhere.

const Instant = Type.String({ format: 'date-time' });

export const AlertRuleCondition = Type.Union([
  Type.Object(
    {
      type: Type.Literal('above'),
      value: Type.Number({ description: 'fires when the KPI is above it (a fraction for percent KPIs)' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('below'),
      value: Type.Number({ description: 'fires when the KPI is below it (a fraction for percent KPIs)' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('change'),
      percent: Type.Number({
        minimum: -100,
        maximum: 100_000,
        description:
          'a change vs the previous period, in percent: -20 fires when the KPI fell by 20 % or more, 30 when it rose by 30 % or more (not 0)',
      }),
    },
    { additionalProperties: false },
  ),
]);
export type AlertRuleCondition = Static<typeof AlertRuleCondition>;

export const AlertRuleBrands = Type.Union(
  [
    Type.Literal('own'),
    Type.Literal('set'),
    Type.Array(IdText(), { minItems: 1, maxItems: 50, uniqueItems: true }),
  ],
  {
    description:
      '`own` (the default): the own brand; `set`: every brand of the competitive set, each judged on its own (brands added later too); or a list of brand ids',
  },
);
export type AlertRuleBrands = Static<typeof AlertRuleBrands>;

// One literal per window name; map() forgets which, so the type is restated.
const RuleWindow = Type.Unsafe<WindowName>(
  Type.Union(
    WINDOW_NAMES.map((w) => Type.Literal(w)),
    {
      description: `the window the KPI is read over, as for the tiles: ${WINDOW_NAMES.join(', ')}; a change compares it with its previous period`,
    },
  ),
);
const Severity = Type.Union([Type.Literal('warning'), Type.Literal('critical')]);
/** A week: the longest a condition may be asked to hold, or an alert to stay quiet. */
const MAX_MINUTES = 7 * 24 * 60;

export const AlertRuleInput = Type.Object(
  {
    kpi: IdText({ description: 'a KPI of the catalogue or of the workspace' }),
    brands: Type.Optional(AlertRuleBrands),
    condition: AlertRuleCondition,
    window: Type.Optional(RuleWindow),
    pendingMinutes: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_MINUTES,
        default: 0,
        description: 'how long the condition must hold before the rule fires (0: at once)',
      }),
    ),
    cooldownMinutes: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_MINUTES,
        default: 60,
        description: 'after an alert, no new one for the same brand until this much time has passed',
      }),
    ),
    severity: Type.Optional(Severity),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 120, description: 'shown in the alert; the id by default' }),
    ),
  },
  { additionalProperties: false },
);
export type AlertRuleInput = Static<typeof AlertRuleInput>;

/** A rule as stored: every default filled in. */
export const AlertRule = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kpi: Type.String(),
  brands: AlertRuleBrands,
  condition: AlertRuleCondition,
  window: RuleWindow,
  pendingMinutes: Type.Integer(),
  cooldownMinutes: Type.Integer(),
  severity: Severity,
  updatedAt: Type.String({
    format: 'date-time',
    description: 'when the rule was last created or changed (its state starts afresh then)',
  }),
});
export type AlertRule = Static<typeof AlertRule>;

/** Where one brand of a rule stands after the last evaluation. */
export const AlertRuleBrandState = Type.Object(
  {
    brand: Type.String(),
    value: Nullable(Type.Number({ description: 'the KPI over the window' })),
    previous: Nullable(Type.Number({ description: 'the KPI over the previous period' })),
    deltaPct: Nullable(Type.Number({ description: 'the change vs the previous period, a fraction' })),
    holds: Nullable(
      Type.Boolean({
        description:
          'whether the condition holds; null: not judged, the KPI has no value (no data, a zero denominator, no previous value for a change)',
      }),
    ),
    holdingSince: Nullable(Instant),
    firing: Type.Boolean({ description: 'an alert of this rule and brand is open (not resolved)' }),
    alert: Nullable(Type.String({ description: 'the open alert’s id' })),
    coolingUntil: Nullable(
      Type.String({
        format: 'date-time',
        description: 'until then no new alert is raised for this brand (the cooldown of the last one)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type AlertRuleBrandState = Static<typeof AlertRuleBrandState>;

export const AlertRuleState = Type.Object(
  {
    evaluatedAt: Nullable(Instant),
    firing: Type.Boolean({ description: 'an alert of this rule is open for at least one brand' }),
    error: Nullable(
      Type.String({ description: 'why the last evaluation failed (a KPI deleted …); null when it worked' }),
    ),
    brands: Type.Array(AlertRuleBrandState),
  },
  { additionalProperties: false },
);
export type AlertRuleState = Static<typeof AlertRuleState>;

export const AlertRuleView = Type.Object({ ...AlertRule.properties, state: AlertRuleState });
export type AlertRuleView = Static<typeof AlertRuleView>;

export const AlertRuleList = Type.Object({ rows: Type.Array(AlertRuleView) });
export type AlertRuleList = Static<typeof AlertRuleList>;

export const AlertRuleParams = Type.Object({
  workspace: IdText(),
  id: Type.String({ pattern: ID_PATTERN }),
});
