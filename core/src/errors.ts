/**
 * Domain errors. Each carries a stable `code` (clients and dashboards key on it) and whether retrying
 * the same operation may succeed. HTTP status is decided in one place, the query API's error handler.
 */
export class AppError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    opts: { retryable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
  }
}

/** One bad field of an input, named the way the client sent it. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Input that does not satisfy its schema; never retryable. */
export class ValidationError extends AppError {
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[]) {
    super('invalid_input', message, { details: { issues } });
    this.issues = issues;
  }
}

/** Configuration that cannot run; lists every bad key at once so one fix-up round is enough. */
export class ConfigError extends AppError {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[]) {
    super('invalid_config', `invalid configuration:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.issues = issues;
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('not_found', `${what} not found`);
  }
}

export class UnauthorizedError extends AppError {
  /** HTTP auth scheme to offer (WWW-Authenticate), e.g. Basic for pages an operator opens in a browser. */
  readonly challenge?: string;
  constructor(message = 'a valid API key is required', opts: { challenge?: string } = {}) {
    super('unauthorized', message);
    this.challenge = opts.challenge;
  }
}

/** An authenticated caller asked for something its key's scopes do not allow. */
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

/** Too many requests from one caller; retry after `retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('rate_limited', `rate limit exceeded, retry in ${retryAfterSeconds} s`, { retryable: true });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A backend (Elasticsearch, Redis, the model) is unavailable or too slow; retry later. */
export class UnavailableError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(backend: string, message: string, opts: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super('backend_unavailable', `${backend}: ${message}`, {
      retryable: true,
      cause: opts.cause,
      details: { backend },
    });
    this.retryAfterSeconds = opts.retryAfterSeconds ?? 1;
  }
}
