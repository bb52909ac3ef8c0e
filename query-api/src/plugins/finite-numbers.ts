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
    app.addHook('preValidation', async (req) => {
      const props = (req.routeOptions.schema?.querystring as { properties?: Record<string, NumericSchema> } | undefined)
        ?.properties;
      if (!props) return;
      const query = req.query as Record<string, unknown>;
      const issues = Object.entries(props)
        .filter(
          ([name, schema]) =>
            (schema.type === 'integer' || schema.type === 'number') && typeof query[name] === 'string',
        )
        .filter(([name]) => {
          const n = Number(query[name]);
          return !Number.isNaN(n) && !Number.isFinite(n);
        })
        .map(([name]) => ({ path: name, message: 'must be a finite number' }));
      if (issues.length > 0)
        throw new ValidationError(
          `invalid querystring: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
          issues,
        );
    });
  },
  { name: 'finite-numbers' },
);
