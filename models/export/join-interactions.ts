import type { InteractionEvent } from '../../core/src/index.js';
import { examineProbability } from '../simulator/click-simulator.js';

export interface FeatureLogEntry {
  query_id: string;
  query: string;
  user_id: string;
  items: Array<{ listing_id: string; position: number; bm25: number; features: number[] }>;
}

/** One training row from clicks, in the shape models/pipeline/train.py reads (`query` = the impression). */
export interface ClickTrainingRow {
  query: string;
  query_text: string;
  docid: string;
  position: number;
  rating: number;
  weight: number;
  bm25_rank: number;
  features: number[];
}

/**
 * Joins the feature log (what was shown, with its features, per query_id) with the interactions
 * (clicks and purchases carrying query_id and position). Labels: purchase 2, click 1, else 0. Only
 * positions down to the deepest interaction of an impression are kept (below it we do not know whether
 * the user even looked). Position bias: a click at position p is weighted by the inverse of the
 * probability of examining p (1 / (p+1)^-eta), so clicks low on the page count for what they say.
 */
export function joinInteractions(log: FeatureLogEntry[], events: InteractionEvent[], eta = 0.8): ClickTrainingRow[] {
  const byQuery = new Map<string, Map<string, number>>();
  for (const e of events) {
    if (!e.query_id || !e.listing_id || (e.type !== 'click' && e.type !== 'purchase')) continue;
    const labels = byQuery.get(e.query_id) ?? new Map<string, number>();
    labels.set(e.listing_id, Math.max(labels.get(e.listing_id) ?? 0, e.type === 'purchase' ? 2 : 1));
    byQuery.set(e.query_id, labels);
  }
  const rows: ClickTrainingRow[] = [];
  for (const entry of log) {
    const labels = byQuery.get(entry.query_id);
    if (!labels) continue; // no interaction: nothing known about this impression
    const deepest = Math.max(...entry.items.filter((i) => labels.has(i.listing_id)).map((i) => i.position));
    const byBm25 = [...entry.items].sort((a, b) => b.bm25 - a.bm25).map((i) => i.listing_id);
    for (const item of entry.items) {
      if (item.position > deepest) continue;
      const rating = labels.get(item.listing_id) ?? 0;
      rows.push({
        query: entry.query_id,
        query_text: entry.query,
        docid: item.listing_id,
        position: item.position,
        rating,
        weight: rating > 0 ? 1 / examineProbability(item.position, eta) : 1,
        bm25_rank: byBm25.indexOf(item.listing_id),
        features: item.features,
      });
    }
  }
  return rows;
}
