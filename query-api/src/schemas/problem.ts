import { Type } from '@sinclair/typebox';

/** RFC 9457 problem details, as every error response of this API is shaped. */
export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.String(),
  code: Type.String(),
  request_id: Type.String(),
  invalid_params: Type.Optional(Type.Array(Type.Object({ name: Type.String(), reason: Type.String() }))),
});
