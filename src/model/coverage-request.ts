import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './string-enum.js';
import { LINES_OF_BUSINESS, PLAN_TYPES, ROUTES, SETTINGS } from './vocabulary.js';

/** ISO calendar date; checked for a real day of the year after schema validation. */
export const IsoDate = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'A calendar date, YYYY-MM-DD',
});

export { isCalendarDate } from './calendar-date.js';

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
    facts: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' }), Type.Boolean(), {
        maxProperties: 32,
        description:
          'Facts beyond the request a policy condition turns on, by the ids of policies/valuesets/facts.yaml (e.g. {"primary-medicare-covered": true}); a determination that waits on one lists it in questions',
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
