import type { ChainableCommander } from 'ioredis';

/**
 * Runs a pipeline and throws the first command's error. ioredis resolves `pipeline().exec()` with a
 * per-command `[error, result]` list even when nothing reached Redis (connection down, offline queue
 * off): a caller that only awaits it would answer 202 for writes that never happened.
 */
export async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([err]) => err);
  if (failed) throw failed[0];
  return replies.map(([, value]) => value);
}
