import type { FastifyInstance } from 'fastify';
import type { ListingItem } from '../schemas/search.js';
import type { ListingDocument } from '../../../core/src/index.js';
import { ShownListing } from '../search/listing-items.js';
import { sharedList } from '../search/shared-lists.js';
import { similarListings } from './similar.js';

/** Similar lists change only when their listings do, and those changes drop them: keep them long. */
const SIMILAR_TTL_S = 600;

/** How many similar items a listing page shows unless it asks otherwise; the home feed reads the same lists. */
export const SIMILAR_PAGE_SIZE = 12;

/** The result-cache key of a listing page's similar items. */
const similarKey = (id: string, size: number) => `similar:${id}:${size}`;

/** A similar listing, with every reason it was picked. */
export type SimilarPageItem = ListingItem & { reasons: string[] };

/** A similar item as one object (listing-items.ts): cached similar lists hold them. */
class SimilarItem extends ShownListing {
  declare reasons: string[];

  constructor(doc: ListingDocument, score: number, reasons: string[]) {
    super(doc, score);
    this.reasons = sharedList(reasons);
  }
}

/** Similar items for a listing page (similar.ts), result-cached until one of their listings changes. */
export class SimilarService {
  constructor(private readonly app: FastifyInstance) {}

  /** Up to `size` listings similar to listing `id`; a 404 when it is unknown or deleted. */
  async similar(id: string, size: number): Promise<{ items: SimilarPageItem[] }> {
    const { value } = await this.app.cache.getOrCompute(
      similarKey(id, size),
      async () => {
        const similar = await similarListings(this.app, id, size);
        const items = similar.items.map((s): SimilarPageItem => new SimilarItem(s.doc, s.score, s.reasons));
        // The listing itself is among the ids: when it is sold or changed, its cached list goes too. A new
        // listing of its leaf category may belong on it (of any category, when the leaf was too sparse).
        const scope = [{ status: 'on_sale', ...(similar.sparse ? {} : { categoryLeaf: similar.leaf }) }];
        return { value: { items }, ids: [id, ...items.map((i) => i.id)], scope };
      },
      { ttlSeconds: SIMILAR_TTL_S },
    );
    return value;
  }

  /** The similar items a listing page was shown, while they are cached; undefined when they are not. */
  async shown(id: string, size: number): Promise<{ items: SimilarPageItem[] } | undefined> {
    return this.app.cache.peek<{ items: SimilarPageItem[] }>(similarKey(id, size));
  }
}
