import { hash } from 'node:crypto';
import { ValidationError } from '../../../core/src/index.js';

/**
 * Opaque cursors. Relevance pages walk the re-ranked candidate window by offset; other sorts continue
 * with Elasticsearch search_after values. Each cursor carries a hash of the request it belongs to, so a
 * cursor replayed against another query is a 400, not a silently wrong page.
 */
export type CursorState = { kind: 'offset'; offset: number; window: string } | { kind: 'after'; after: Array<string | number> };

export function requestHash(parts: unknown): string {
  return hash('sha1', JSON.stringify(parts), 'base64url').slice(0, 12);
}

export function encodeCursor(state: CursorState, hash: string): string {
  return Buffer.from(JSON.stringify({ ...state, h: hash })).toString('base64url');
}

export function decodeCursor(cursor: string, hash: string): CursorState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not a cursor this API issued');
  }
  const c = parsed as { kind?: string; offset?: unknown; window?: unknown; after?: unknown; h?: unknown };
  if (c.h !== hash) throw invalid('belongs to a different query; start again without a cursor');
  if (c.kind === 'offset' && Number.isInteger(c.offset) && (c.offset as number) >= 0 && typeof c.window === 'string') {
    return { kind: 'offset', offset: c.offset as number, window: c.window };
  }
  if (c.kind === 'after' && Array.isArray(c.after) && c.after.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return { kind: 'after', after: c.after as Array<string | number> };
  }
  throw invalid('is malformed');
}

function invalid(reason: string): ValidationError {
  return new ValidationError(`cursor ${reason}`, [{ path: 'cursor', message: reason }]);
}
