import { Type } from '@sinclair/typebox';
import { StringEnum } from './string-enum.js';
import { OUT_OF_SCOPE_REASONS } from './out-of-scope-reason.js';
import { OUTCOMES, PRIOR_AUTH } from './vocabulary.js';

// The wire shape of DeterminationV1 for OpenAPI; a test holds every decided case against it.
const Citation = Type.Object({
  source: Type.String({ description: 'Repository path of the source document' }),
  quote: Type.String({ description: 'Verbatim text from the source' }),
  line: Type.Integer({ description: 'Line of the source the quote starts on' }),
});

const Reason = Type.Object({
  text: Type.String(),
  citation: Type.Optional(Citation),
  rule: Type.Optional(Type.String({ description: 'The policy rule that produced this reason' })),
});

const Question = Type.Object(
  {
    id: Type.String({ description: 'The entry in missing: facts.<fact>' }),
    fact: Type.String({ description: 'A fact id of policies/valuesets/facts.yaml' }),
    text: Type.String({ description: 'The question as asked' }),
    answers: Type.Object({
      yes: Type.String({ description: 'What a yes means, in words' }),
      no: Type.String({ description: 'What a no means, in words' }),
    }),
    reason: Reason,
    rule: Type.String({ description: 'The rule that waits on the fact' }),
  },
  { description: 'A yes/no fact beyond the request that coverage turns on' },
);

/**
 * The wire shape, with the bases of the policies in use (policies/valuesets/bases.yaml) as the
 * basis enum: a payer-defined basis is published in the OpenAPI document as soon as it is data.
 */
export const determinationSchema = (bases: readonly string[]) =>
  Type.Object(
    {
      outcome: StringEnum(OUTCOMES),
      basis: Type.Optional(
        StringEnum(bases, {
          description:
            'Why not covered, or what a conditional answer turns on (policies/valuesets/bases.yaml)',
        }),
      ),
      outOfScopeReason: Type.Optional(
        StringEnum(OUT_OF_SCOPE_REASONS, {
          description:
            "Only with outcome out-of-scope: which kind of non-answer. refers-elsewhere (referTo decides), product-not-governed (the member's product is not one the policy governs), excluded-use (the policy excludes this use), not-addressed (the policy never mentions this drug, route or indication), no-version-in-force (none on the date of service), version-text-unavailable (a version was in force but its text is not in the source), code-set-does-not-cover-date (the ICD-10-CM release does not cover the date of service)",
        }),
      ),
      priorAuth: StringEnum(PRIOR_AUTH),
      payer: Type.String(),
      policy: Type.Optional(
        Type.Object({
          id: Type.String(),
          title: Type.String(),
          number: Type.Optional(Type.String()),
          version: Type.String(),
          effectiveFrom: Type.String(),
          effectiveTo: Type.Optional(Type.String()),
        }),
      ),
      indication: Type.Optional(Type.String()),
      drug: Type.Optional(Type.String()),
      route: Type.Optional(Type.String()),
      referTo: Type.Array(Type.String()),
      reasons: Type.Array(Reason),
      missing: Type.Array(Type.String()),
      warnings: Type.Array(
        Type.Object({
          code: Type.String(),
          message: Type.String(),
          subject: Type.Optional(Type.String()),
        }),
      ),
      notices: Type.Array(
        Type.Object({
          kind: StringEnum(['member-liability', 'benefit', 'administrative', 'coding'] as const),
          text: Type.String(),
          citation: Citation,
        }),
      ),
      revision: Type.String({ description: 'Content hash of the policy set that decided this' }),
      trace: Type.Optional(Type.Array(Type.Object({ step: Type.String(), detail: Type.String() }))),
      questions: Type.Optional(
        Type.Array(Question, {
          description:
            "The facts beyond the request that coverage still turns on, in the order the policy asks them; each id is also in missing. Send the answers as the request's facts.",
        }),
      ),
      facts: Type.Optional(
        Type.Record(Type.String(), Type.Boolean(), {
          description: "The request's facts the deciding policy uses, as given",
        }),
      ),
      id: Type.Optional(
        Type.String({ format: 'uuid', description: 'The audit record id (HTTP service only)' }),
      ),
    },
    { additionalProperties: false },
  );
