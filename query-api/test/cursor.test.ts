import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, ValidationError } from '../../core/src/index.js';
import {
  CursorCodec,
  decodeFeedCursor,
  decodeSearchCursor,
  encodeFeedCursor,
  encodeSearchCursor,
} from '../src/cursor.js';

const OLD = 'old-secret-0123456789';
const NEW = 'new-secret-0123456789';

/** Re-encodes a cursor's payload, keeping its signature: what a client editing a cursor can do. */
function tamper(cursor: string, edit: (payload: Record<string, unknown>) => unknown): string {
  const [body, sig] = cursor.split('.');
  const payload = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${Buffer.from(JSON.stringify(edit(payload))).toString('base64url')}.${sig}`;
}

describe('signed cursors', () => {
  const codec = new CursorCodec([NEW]);

  it('round-trips a state for the request it was issued for', () => {
    const c = encodeSearchCursor(codec, { kind: 'after', after: [1700000000000, 'l-1'] }, 'hash-a');
    expect(decodeSearchCursor(codec, c, 'hash-a')).toEqual({ kind: 'after', after: [1700000000000, 'l-1'] });
  });

  it('refuses a cursor of another query, another route, or an edited one', () => {
    const c = encodeSearchCursor(codec, { kind: 'offset', offset: 20, window: 'window-of-a' }, 'hash-a');
    expect(() => decodeSearchCursor(codec, c, 'hash-b')).toThrow(/different query/);
    expect(() => codec.decode('feed', 'hash-a', c)).toThrow(ValidationError);
    // The window of query A moved onto the same signature: refused (the window is bound to its query).
    expect(() =>
      decodeSearchCursor(
        codec,
        tamper(c, (p) => ({ ...p, window: 'window-of-b' })),
        'hash-a',
      ),
    ).toThrow(/altered/);
    expect(() =>
      decodeSearchCursor(
        codec,
        tamper(c, () => ({ kind: 'after', after: ['not a date'] })),
        'hash-a',
      ),
    ).toThrow(ValidationError);
  });

  it('refuses what was never signed: garbage, JSON null, the old unsigned format', () => {
    for (const bad of [
      'not-a-cursor',
      '',
      '.',
      'a.b.c',
      Buffer.from('null').toString('base64url'),
      `${Buffer.from('null').toString('base64url')}.AAAA`,
      Buffer.from(JSON.stringify({ kind: 'after', after: [1], h: 'hash-a' })).toString('base64url'),
    ]) {
      expect(() => decodeSearchCursor(codec, bad, 'hash-a'), bad).toThrow(ValidationError);
    }
  });

  it('refuses a signed payload of the wrong shape (a 400, not a 500)', () => {
    for (const payload of [
      null,
      7,
      [],
      { kind: 'offset', offset: -1, window: 'w' },
      { kind: 'offset', offset: 1.5, window: 'w' },
      { kind: 'after', after: [{}] },
    ]) {
      expect(
        () => decodeSearchCursor(codec, codec.encode('search', 'h', payload), 'h'),
        JSON.stringify(payload),
      ).toThrow(/malformed/);
    }
  });

  it('feed cursors: round-trip; an edited, foreign, unsigned or ill-shaped one is a 400 with a reason', () => {
    const c = encodeFeedCursor(codec, { feed: 'feed-1', offset: 20 });
    expect(decodeFeedCursor(codec, c)).toEqual({ feed: 'feed-1', offset: 20 });
    expect(() =>
      decodeFeedCursor(
        codec,
        tamper(c, (p) => ({ ...p, offset: 0 })),
      ),
    ).toThrow(/altered/);
    const search = encodeSearchCursor(codec, { kind: 'offset', offset: 20, window: 'feed-1' }, '');
    expect(() => decodeFeedCursor(codec, search)).toThrow(/altered/);
    // The plain-base64 "id:offset" form feed cursors once had.
    const plain = Buffer.from('feed-1:20').toString('base64url');
    expect(() => decodeFeedCursor(codec, plain)).toThrow(/not a cursor this API issued/);
    const shapes = [null, { feed: 7, offset: 1 }, { feed: 'f', offset: -1 }, { feed: 'f', offset: 1.5 }, { feed: 'f' }];
    for (const payload of shapes) {
      const signed = codec.encode('feed', '', payload);
      expect(() => decodeFeedCursor(codec, signed), JSON.stringify(payload)).toThrow(/malformed/);
    }
  });

  it('rotates: the first secret signs, every secret verifies', () => {
    const before = encodeSearchCursor(new CursorCodec([OLD]), { kind: 'offset', offset: 5, window: 'w' }, 'h');
    const rotating = new CursorCodec([NEW, OLD]);
    expect(decodeSearchCursor(rotating, before, 'h')).toEqual({ kind: 'offset', offset: 5, window: 'w' });
    const after = encodeSearchCursor(rotating, { kind: 'offset', offset: 5, window: 'w' }, 'h');
    expect(decodeSearchCursor(new CursorCodec([NEW]), after, 'h')).toMatchObject({ offset: 5 });
    expect(() => decodeSearchCursor(new CursorCodec([OLD]), after, 'h')).toThrow(ValidationError);
  });
});

describe('CURSOR_SECRETS', () => {
  const production = { NODE_ENV: 'production', INGEST_API_KEYS: 'k'.repeat(16) } as const;

  it('outside production defaults to one random secret per process', () => {
    const a = loadConfig({}).cursorSecrets;
    expect(a).toHaveLength(1);
    expect(a[0]!.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({}).cursorSecrets).not.toEqual(a);
  });

  it('is a list; short secrets are refused; production has no default and the codec refuses to start', () => {
    expect(loadConfig({ CURSOR_SECRETS: `${NEW}, ${OLD}` }).cursorSecrets).toEqual([NEW, OLD]);
    expect(() => loadConfig({ CURSOR_SECRETS: 'short' })).toThrow(/CURSOR_SECRETS/);
    const config = loadConfig(production);
    expect(config.cursorSecrets).toEqual([]);
    expect(() => new CursorCodec(config.cursorSecrets)).toThrow(ConfigError);
    expect(() => new CursorCodec(config.cursorSecrets)).toThrow(/CURSOR_SECRETS/);
  });
});
