import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './string-enum.js';
import { LINES_OF_BUSINESS, PLAN_TYPES, ROUTES, SETTINGS } from './vocabulary.js';

/** ISO calendar date; checked for a real day of the year after schema validation. */
export const IsoDate = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'A calendar date, YYYY-MM-DD',
});

/**
 * Exactly YYYY-MM-DD, and a day that exists (no 2025-02-30), in the proleptic Gregorian
 * calendar as JavaScript's Date reads it. Arithmetic, without a regex or a Date: every request
 * of every adapter passes through here, and the Date round trip was about a quarter of
 * decideRequest()'s self time in an outside profile.
 */
export function isCalendarDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d) return false;
  const y = digitsAt(s, 0, 4);
  const m = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1) return false;
  if (m !== 2) return d <= (m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (leap ? 29 : 28);
}

/** The number the `n` ASCII digits at `at` spell, or -1 when any is not a digit. */
function digitsAt(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

export const CoverageRequestSchema = Type.Object(
  {
    payer: Type.String({ minLength: 1, maxLength: 64, description: 'Payer id, e.g. bcbsma' }),
    lineOfBusiness: Type.Optional(
      StringEnum(LINES_OF_BUSINESS, { description: 'Defaults to commercial' }),
    ),
    planType: Type.Optional(StringEnum(PLAN_TYPES, { description: 'Plan type' })),
    medicarePrimary: Type.Optional(
      Type.Boolean({ description: 'Medicare is primary and this plan is secondary' }),
    ),
    providerParticipating: Type.Optional(
      Type.Boolean({ description: "The rendering provider is in the payer's network" }),
    ),
    homePlan: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          "ITS/BlueCard: the member's home plan, when the payer is only the host plan for this service",
      }),
    ),
    groupPolicy: Type.Optional(
      Type.Boolean({ description: "The member's group has its own group-specific policy" }),
    ),
    dateOfService: IsoDate,
    setting: Type.Optional(StringEnum(SETTINGS, { description: 'Where the service is performed' })),
    drug: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Generic drug name, any case' }),
    ),
    route: Type.Optional(StringEnum(ROUTES, { description: 'Route of administration' })),
    indication: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'An indication id from the value sets, for what no ICD-10-CM code states (e.g. treatment-resistant-depression)',
      }),
    ),
    procedureCodes: Type.Optional(
      Type.Array(Type.String({ maxLength: 16 }), {
        maxItems: 50,
        description: 'CPT or HCPCS Level II codes',
      }),
    ),
    diagnosisCodes: Type.Optional(
      Type.Array(Type.String({ maxLength: 16 }), {
        maxItems: 50,
        description: 'ICD-10-CM codes in pointer order; with or without the dot, any case',
      }),
    ),
  },
  { additionalProperties: false, $id: 'CoverageRequest' },
);

export type CoverageRequest = Static<typeof CoverageRequestSchema>;

/** A request for every payer at once: the same fields, without payer. */
export const CompareRequestSchema = Type.Omit(CoverageRequestSchema, ['payer'], {
  additionalProperties: false,
  $id: 'CompareRequest',
});
export type CompareRequest = Static<typeof CompareRequestSchema>;
