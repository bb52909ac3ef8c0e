import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listVersions } from '../src/model-registry.js';

describe('model registry', () => {
  it('orders versions in time, numbers as numbers, and lists only those with a manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-'));
    for (const v of ['2026-12-01.2', '2026-12-01.10', '2026-11-25.4', '2026-12-01.9']) {
      mkdirSync(join(dir, 'ltr', v), { recursive: true });
      writeFileSync(join(dir, 'ltr', v, 'manifest.json'), '{}');
    }
    mkdirSync(join(dir, 'ltr', '2026-12-02.1')); // being written: no manifest yet
    expect(listVersions(dir, 'ltr')).toEqual(['2026-11-25.4', '2026-12-01.2', '2026-12-01.9', '2026-12-01.10']);
    expect(listVersions(dir, 'absent')).toEqual([]);
  });
});
