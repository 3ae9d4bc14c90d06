import { Type } from '@sinclair/typebox';

/** RFC 9457 problem details as this service writes them. */
const Problem = {
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String({ description: 'Stable machine-readable problem code' }),
  path: Type.String({ description: 'JSON Pointer to the offending part of the request' }),
  hint: Type.Optional(Type.String({ description: 'How to fix it' })),
  instance: Type.Optional(Type.String()),
};

export const ProblemSchema = Type.Object({
  ...Problem,
  problems: Type.Optional(Type.Array(Type.Object(Problem))),
});
