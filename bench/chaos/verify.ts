import type { Client } from '@elastic/elasticsearch';
import type { DeadLetterQueue } from '../../indexer/src/dead-letters.js';
import { round, summarizeLatencies } from '../support.js';
import type { Kind, Phase, RequestRecord, SentChange } from './load.js';

export interface HistoryCheck {
  accepted: number;
  rejected_by_api: number;
  indexed: number;
  /** Accepted ordinary changes whose version the index never reached (neither it nor a newer one). */
  lost: number;
  /** Listings whose index holds a late (older) version: an older change overwrote a newer one. */
  stale_overwrites: number;
  dead_lettered: { total: number; by_reason: Record<string, number>; poison_missing: number; good_changes: number };
  /** Poison changes the API refused up front (400 naming the field): never accepted, so never in the DLQ. */
  poison_refused_by_api: number;
  lost_examples: string[];
}

/**
 * Checks the history against the index and the dead-letter queue, once the queue has drained:
 * every accepted change is in the index at its version or a newer one (or, if Elasticsearch must
 * reject it, in the DLQ with the reason), no late version won, and no good change was dead-lettered.
 */
export async function checkHistory(
  es: Client,
  alias: string,
  changes: SentChange[],
  dlq: DeadLetterQueue,
): Promise<HistoryCheck> {
  await es.indices.refresh({ index: alias });
  const ids = [...new Set(changes.map((c) => c.id))];
  const indexed = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 500) {
    const res = await es.mget<{ version?: number }>({ index: alias, ids: ids.slice(i, i + 500), _source: ['version'] });
    for (const d of res.docs) if ('found' in d && d.found) indexed.set(d._id, Number(d._source?.version ?? d._version));
  }
  const letters = await dlq.list(100_000);
  const dead = new Map(letters.map((l) => [l.id, l.letter.reason]));
  const byReason: Record<string, number> = {};
  const prefixOf = new Set(ids);
  let poisonMissing = 0;
  let goodDead = 0;
  let lost = 0;
  const lostExamples: string[] = [];
  const accepted = changes.filter((c) => c.accepted);
  for (const c of accepted) {
    const key = `${c.id}@v${c.version}`;
    if (c.poison) {
      if (!dead.has(key)) poisonMissing++;
      continue;
    }
    if (dead.has(key)) goodDead++;
    const at = indexed.get(c.id);
    if (!c.late && (at === undefined || at < c.version)) {
      lost++;
      if (lostExamples.length < 5) lostExamples.push(`${key} (index has ${at ?? 'nothing'})`);
    }
  }
  for (const [key, reason] of dead) {
    if (!prefixOf.has(key.split('@v')[0]!)) continue;
    const type = reason.split(':')[0]!;
    byReason[type] = (byReason[type] ?? 0) + 1;
  }
  // A late version in the index is a stale overwrite only if a newer change of that listing was
  // accepted: when the newer one was refused (503), the late one is legitimately the newest taken.
  const lateVersions = new Set(changes.filter((c) => c.late).map((c) => `${c.id}@${c.version}`));
  const newestAccepted = new Map<string, number>();
  for (const c of accepted) if (!c.poison) newestAccepted.set(c.id, Math.max(newestAccepted.get(c.id) ?? 0, c.version));
  const stale = [...indexed].filter(
    ([id, v]) => lateVersions.has(`${id}@${v}`) && (newestAccepted.get(id) ?? 0) > v,
  ).length;
  return {
    accepted: accepted.length,
    rejected_by_api: changes.length - accepted.length,
    indexed: accepted.filter((c) => !c.poison && (indexed.get(c.id) ?? -1) >= c.version).length,
    lost,
    stale_overwrites: stale,
    poison_refused_by_api: changes.filter((c) => c.poison && c.status === 400).length,
    dead_lettered: {
      total: Object.values(byReason).reduce((a, b) => a + b, 0),
      by_reason: byReason,
      poison_missing: poisonMissing,
      good_changes: goodDead,
    },
    lost_examples: lostExamples,
  };
}

export interface PhaseSummary {
  requests: number;
  status: Record<string, number>;
  p99_ms: number;
  max_ms: number;
  /** Requests slower than their budget (the API's own timeouts plus a margin). */
  over_budget: number;
}

/** Per phase and per kind of request: status counts, p99, max and requests over budget. */
export function summarizePhases(
  records: RequestRecord[],
  budgetMs: Record<Kind, number>,
): Record<Phase, Record<string, PhaseSummary>> {
  const out = {} as Record<Phase, Record<string, PhaseSummary>>;
  for (const phase of ['before', 'during', 'after'] as Phase[]) {
    out[phase] = {};
    const inPhase = records.filter((r) => r.phase === phase);
    const kinds = [...new Set(inPhase.map((r) => r.kind))].sort();
    for (const kind of kinds) {
      const rs = inPhase.filter((r) => r.kind === kind);
      const status: Record<string, number> = {};
      for (const r of rs) {
        const label = r.status === 0 ? 'connection_error' : r.status === -1 ? 'client_timeout' : String(r.status);
        status[label] = (status[label] ?? 0) + 1;
      }
      const lat = summarizeLatencies(rs.map((r) => r.ms));
      out[phase][kind] = {
        requests: rs.length,
        status,
        p99_ms: round(lat.p99, 1),
        max_ms: round(lat.max, 1),
        over_budget: rs.filter((r) => r.ms > budgetMs[kind]).length,
      };
    }
  }
  return out;
}

/**
 * How long after `healStart` clients stopped seeing the fault: the start of the first second (sent
 * in that second) in which every search and change request succeeded, with at least three of them.
 * Null if no such second came before the load stopped.
 */
export function healMs(
  records: RequestRecord[],
  healStart: number,
  kinds: Kind[] = ['search', 'changes'],
): number | null {
  const seconds = new Map<number, { n: number; failed: number }>();
  for (const r of records) {
    if (!kinds.includes(r.kind) || r.at < healStart) continue;
    const s = Math.floor((r.at - healStart) / 1000);
    const b = seconds.get(s) ?? seconds.set(s, { n: 0, failed: 0 }).get(s)!;
    b.n++;
    if (r.status < 200 || r.status >= 300) b.failed++;
  }
  const healed = [...seconds]
    .filter(([, b]) => b.n >= 3 && b.failed === 0)
    .map(([s]) => s)
    .sort((a, b) => a - b)[0];
  return healed === undefined ? null : healed * 1000;
}
