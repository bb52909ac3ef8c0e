// Judgments in the browser: read a query,docid,rating CSV, keep the grades a person adds, compute
// NDCG@10, write the CSV back. Pure functions (no DOM), so a unit test can import this file.
// The CSV reader is hand-written: the page loads no library (no bundler), and this format is a fixed
// three-column subset of RFC 4180 (quoted fields with "" escapes, CRLF or LF), which is all it needs.

/** Rows of a CSV text as arrays of fields (RFC 4180 quoting). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

/** Same key for "Nike  Sneakers " and "nike sneakers": judgments are matched to the typed query by it. */
export const queryKey = (q) => q.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * query,docid,rating rows as judgments. Like the trainer's reader (indexer/src/sources/icecat.ts
 * readJudgments): other columns are ignored, and a row without a query, a docid and a whole grade 0..3
 * is refused with its line number.
 */
export function readJudgmentsCsv(text) {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  const cols = (header ?? []).map((h) => h.trim().toLowerCase());
  const [qi, di, ri] = ['query', 'docid', 'rating'].map((n) => cols.indexOf(n));
  if (qi < 0 || di < 0 || ri < 0) throw new Error('the header must name the columns query, docid and rating');
  return rows.map((r, i) => {
    const query = (r[qi] ?? '').trim();
    const docid = (r[di] ?? '').trim();
    const rating = (r[ri] ?? '').trim();
    if (!query || !docid || !/^[0-3]$/.test(rating))
      throw new Error(`line ${i + 2}: needs a query, a docid and a rating 0..3`);
    return { query, docid, rating: Number(rating) };
  });
}

const csvField = (v) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

/** Judgments as a query,docid,rating CSV (what `make train` reads via JUDGMENTS=...). */
export function toCsv(judgments) {
  return (
    ['query,docid,rating', ...judgments.map((j) => [j.query, j.docid, j.rating].map(csvField).join(','))].join('\n') +
    '\n'
  );
}

const dcg = (ratings) => ratings.slice(0, 10).reduce((s, r, i) => s + (2 ** r - 1) / Math.log2(i + 2), 0);

/**
 * NDCG@10 of a ranked list of ratings (null = unjudged, counted as 0) against the ideal order of every
 * grade known for the query (the gain 2^r - 1, as models/evaluation/offline-metrics.ts). null when the
 * query has no positive grade (nothing to normalize by).
 */
export function ndcgAt10(ranked, allGrades) {
  const ideal = dcg([...allGrades].sort((a, b) => b - a));
  return ideal > 0 ? dcg(ranked.map((r) => r ?? 0)) / ideal : null;
}

/** The loaded judgments plus the grades given in this page, by query and docid. */
export class JudgmentStore {
  constructor() {
    this.loaded = new Map();
    this.added = new Map();
  }

  load(judgments) {
    this.loaded.clear();
    for (const j of judgments) this.loaded.set(`${queryKey(j.query)}\u0000${j.docid}`, j);
    return { pairs: this.loaded.size, queries: new Set(judgments.map((j) => queryKey(j.query))).size };
  }

  /** The grade of a result for a query: a loaded one first (a page grade only fills gaps), else undefined. */
  grade(query, docid) {
    const k = `${queryKey(query)}\u0000${docid}`;
    return (this.loaded.get(k) ?? this.added.get(k))?.rating;
  }

  /** Whether the grade came from the loaded file (shown, not editable) rather than this page. */
  isLoaded(query, docid) {
    return this.loaded.has(`${queryKey(query)}\u0000${docid}`);
  }

  add(query, docid, rating) {
    this.added.set(`${queryKey(query)}\u0000${docid}`, { query: query.trim().replace(/\s+/g, ' '), docid, rating });
  }

  /** Every grade known for a query (loaded and added). */
  gradesFor(query) {
    const q = queryKey(query);
    return [...this.loaded.values(), ...this.added.values()]
      .filter((j) => queryKey(j.query) === q)
      .map((j) => j.rating);
  }

  addedRows() {
    return [...this.added.values()];
  }

  allRows() {
    return [...this.loaded.values(), ...this.added.values()];
  }
}
