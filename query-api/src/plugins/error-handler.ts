import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  AppError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../../../core/src/index.js';
import { asRedisError } from './redis.js';

const STATUS_BY_CODE: Record<string, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  rate_limited: 429,
  backend_unavailable: 503,
};

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  request_id: string;
  invalid_params?: Array<{ name: string; reason: string }>;
}

/**
 * The one place that decides HTTP statuses: RFC 9457 problem+json for every error. Bad input is a 4xx
 * naming the parameter; a backend that is down or slow is a 503 with Retry-After; anything unexpected
 * is a 500 whose body says nothing about internals (the log has the details, under the request id).
 */
export default fp(
  async (app) => {
    app.setErrorHandler((raw: FastifyError | AppError | Error, req, reply) => {
      // Redis down or stuck anywhere on the request path (profile reads, event writes, the change queue)
      // is a 503 the client can retry, like Elasticsearch's (search/es-errors.ts), not a 500.
      const err = asRedisError(raw) as FastifyError | AppError | Error;
      const problem = toProblem(err, req);
      if (problem.status >= 500) req.log.error({ err }, 'request failed');
      else req.log.info({ code: problem.code, detail: problem.detail }, 'request rejected');
      if (err instanceof UnavailableError || err instanceof RateLimitedError)
        reply.header('retry-after', String(err.retryAfterSeconds));
      if (err instanceof UnauthorizedError && err.challenge) reply.header('www-authenticate', err.challenge);
      return sendProblem(reply, problem);
    });
    app.setNotFoundHandler((req, reply) =>
      sendProblem(
        reply,
        base(req, 404, 'not_found', 'Not Found', `no route for ${req.method} ${req.url.split('?')[0]}`),
      ),
    );
  },
  { name: 'error-handler' },
);

/**
 * Errors the router raises before any route or hook runs (a path parameter over maxParamLength, a
 * malformed URL): Fastify's `frameworkErrors` option, so they are problem+json like everything else.
 */
export function sendFrameworkError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  // No hook has run, so the request id header the app sets in onRequest is set here.
  return sendProblem(reply.header('x-request-id', req.id), toProblem(err, req));
}

function sendProblem(reply: FastifyReply, problem: Problem) {
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

function base(req: FastifyRequest, status: number, code: string, title: string, detail: string): Problem {
  return {
    type: `https://errors.marketplace.dev/${code}`,
    title,
    status,
    detail,
    instance: req.url.split('?')[0] ?? req.url,
    code,
    request_id: String(req.id),
  };
}

function toProblem(err: FastifyError | AppError | Error, req: FastifyRequest): Problem {
  const fe = err as FastifyError;
  if (fe.validation) {
    const where = fe.validationContext ?? 'request';
    const invalid = fe.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string })?.missingProperty;
      const extra = (v.params as { additionalProperty?: string })?.additionalProperty;
      const name = missing ?? extra ?? (v.instancePath.replace(/^\//, '').replaceAll('/', '.') || where);
      return { name, reason: extra ? 'is not a known parameter' : (v.message ?? 'is invalid') };
    });
    return {
      ...base(
        req,
        400,
        'invalid_input',
        'Bad Request',
        `invalid ${where}: ${invalid.map((i) => `${i.name} ${i.reason}`).join('; ')}`,
      ),
      invalid_params: invalid,
    };
  }
  if (err instanceof ValidationError) {
    return {
      ...base(req, 400, 'invalid_input', 'Bad Request', err.message),
      invalid_params: err.issues.map((i) => ({ name: i.path, reason: i.message })),
    };
  }
  if (err instanceof AppError) {
    const status = STATUS_BY_CODE[err.code] ?? 500;
    const detail = status >= 500 && !(err instanceof UnavailableError) ? 'internal error' : err.message;
    return base(req, status, err.code, STATUS_CODES[status] ?? err.name, detail);
  }
  // Fastify's own 4xx (body too large, bad JSON, unsupported media type, URI too long...): keep status,
  // say why. Only Fastify's: an Elasticsearch 400 also has a statusCode, but it answers a query we built,
  // so it is our bug (a 500 that says nothing of the cluster's internals), not the client's.
  if (fe.code?.startsWith('FST_') && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return base(req, fe.statusCode, fe.code.toLowerCase(), STATUS_CODES[fe.statusCode] ?? 'Bad Request', fe.message);
  }
  // http-errors marks the 4xx it creates as safe to show (`expose`): @fastify/static (under /docs)
  // answers a NUL byte or a path leaving its root so, and the request is what is wrong. An Elasticsearch
  // error never has `expose`.
  const he = err as { expose?: unknown; status?: unknown };
  if (he.expose === true && typeof he.status === 'number' && he.status >= 400 && he.status < 500) {
    return base(
      req,
      he.status,
      'bad_path',
      STATUS_CODES[he.status] ?? 'Bad Request',
      `the requested path is not allowed (${err.message})`,
    );
  }
  return base(req, 500, 'internal', 'Internal Server Error', 'internal error');
}
