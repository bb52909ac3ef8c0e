import type { Config } from '../index.js';

/** The queue of listing changes and its dead-letter queue, as every producer and worker names them. */
export function queueNames(config: Pick<Config, 'queue' | 'redis'>) {
  return {
    changes: config.queue.name,
    deadLetters: `${config.queue.name}-dlq`,
    prefix: config.redis.namespace,
  };
}
