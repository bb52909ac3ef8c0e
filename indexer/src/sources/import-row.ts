import { compileValidator, Listing } from '../../../core/src/index.js';

/** One row of an import: a valid listing, or why the row at that line was skipped. */
export type ImportRow = { ok: true; line: number; listing: Listing } | { ok: false; line: number; reason: string };

const validateListing = compileValidator(Listing);

/** Validates a mapped listing against the core schema; a failure becomes a skipped row, never a crash. */
export function toImportRow(line: number, candidate: unknown): ImportRow {
  const issues = validateListing.issues(candidate, 5);
  if (issues.length === 0) return { ok: true, line, listing: candidate as Listing };
  return { ok: false, line, reason: issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
}
