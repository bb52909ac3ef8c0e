import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJudgments } from '../../src/sources/icecat.js';

describe('judgment files', () => {
  const file = (text: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'judgments-')), 'j.csv');
    writeFileSync(path, text);
    return path;
  };

  it('reads query,docid,rating rows and ignores extra columns such as a pool title', async () => {
    expect(await readJudgments(file('query,docid,rating,title\n tv ,42,3,"Philips 22"" TV, LCD"\n'))).toEqual([
      { query: 'tv', docid: '42', rating: 3 },
    ]);
  });

  it('refuses a row without a grade 0..3, naming its line, so an ungraded pool is not read as irrelevant', async () => {
    await expect(readJudgments(file('query,docid,rating\ntv,42,3\ntv,43,\n'))).rejects.toThrow(/line 3/);
    await expect(readJudgments(file('query,docid,rating\ntv,42,4\n'))).rejects.toThrow(/rating 0\.\.3/);
    await expect(readJudgments(file('query,docid,rating\n,42,1\n'))).rejects.toThrow(/line 2/);
  });
});
