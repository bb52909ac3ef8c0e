import type { preValidationHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { ValidationError } from '../../../core/src/index.js';

interface NumericSchema {
  type?: string;
}

/**
 * Rejects "Infinity", "-Infinity" and "1e309" for numeric query parameters. Ajv's type coercion turns
 * such a string into Infinity and then lets it through the integer, minimum and maximum checks alike
 * (seen with ajv 8: size=Infinity passed `maximum: 100`); JSON.stringify would then send null to
 * Elasticsearch, which answers a confusing 400 or ignores the filter. JSON bodies are not affected:
 * Ajv rejects a non-finite number there.
 */
export default fp(
  async (app) => {
    // Which parameters are numeric is known per route when it is declared: the check is added only to
    // routes that have some, and looks only at those (it runs on every request; see app.ts).
    app.addHook('onRoute', (route) => {
      const props = (route.schema?.querystring as { properties?: Record<string, NumericSchema> } | undefined)
        ?.properties;
      const numeric = Object.entries(props ?? {})
        .filter(([, schema]) => schema.type === 'integer' || schema.type === 'number')
        .map(([name]) => name);
      if (numeric.length === 0) return;
      const check: preValidationHookHandler = (req, _reply, done) => {
        const query = req.query as Record<string, unknown>;
        const bad = numeric.filter((name) => typeof query[name] === 'string' && notFinite(query[name]));
        if (bad.length === 0) return done();
        done(
          new ValidationError(
            `invalid querystring: ${bad.map((name) => `${name} must be a finite number`).join('; ')}`,
            bad.map((name) => ({ path: name, message: 'must be a finite number' })),
          ),
        );
      };
      route.preValidation = [check, ...[route.preValidation ?? []].flat()];
    });
  },
  { name: 'finite-numbers' },
);

/** "Infinity", "-Infinity", "1e309": a number, but not a finite one ("abc" is Ajv's to reject). */
function notFinite(value: string): boolean {
  const n = Number(value);
  return !Number.isNaN(n) && !Number.isFinite(n);
}
