import type { LoggerOptions } from 'pino';
import type { Config } from './config.js';

/** pino options shared by every process: JSON lines, ISO time, secrets never written. */
export function loggerOptions(config: Pick<Config, 'logLevel'>, name: string): LoggerOptions {
  return {
    name,
    level: config.logLevel,
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        '*.password',
        '*.apiKey',
        'config.elasticsearch.auth',
      ],
      censor: '[redacted]',
    },
    formatters: { level: (label) => ({ level: label }) },
  };
}
