import { Type } from '@sinclair/typebox';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileValidator } from '../../core/src/index.js';

/** A spec's feature list (this spec's and the feed's, ranking/feed-feature-spec.json): name, inputs, how, default. */
export const FeatureEntries = Type.Array(
  Type.Object({
    name: Type.String({ pattern: '^[a-z0-9_]+$' }),
    source: Type.String(),
    transform: Type.String(),
    default: Type.Number(),
  }),
  { minItems: 1 },
);

const FeatureSpecSchema = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  description: Type.Optional(Type.String()),
  /** How text features split words (ranking/src/text.ts): part of the contract, since it changes every text feature. */
  tokens: Type.Optional(Type.String()),
  features: FeatureEntries,
  /** Word lists some features look words up in; part of the contract (and of its hash). */
  lexicons: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
});

export const FEATURE_SPEC_PATH = fileURLToPath(new URL('../feature-spec.json', import.meta.url));
const raw = readFileSync(FEATURE_SPEC_PATH, 'utf8');

/** The feature spec, validated at load: serving refuses to start on a malformed contract. */
export const featureSpec = compileValidator(FeatureSpecSchema).parse(JSON.parse(raw), 'ranking/feature-spec.json');
export const FEATURE_NAMES: string[] = featureSpec.features.map((f) => f.name);
/** sha256 of the spec file's bytes; models record it and must match it. */
export const FEATURE_SPEC_SHA256 = createHash('sha256').update(raw).digest('hex');
