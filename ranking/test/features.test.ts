import { describe, expect, it } from 'vitest';
import { toListingDocument, type Listing, type UserProfile } from '../../core/src/index.js';
import { FEATURE_NAMES } from '../src/feature-spec.js';
import { extractFeatures } from '../src/features.js';
import { tokens, tokensAmong } from '../src/text.js';
import { testListing } from '../../test/support/listing.js';

const listing = (patch: Partial<Listing>): Listing =>
  testListing(
    {
      id: 'x',
      title: 'Nike Air Max sneakers',
      description: 'Great running shoes',
      category_path: ['Men', 'Shoes', 'Athletic Shoes'],
      brand: 'Nike',
      condition: 'like_new',
      price: 5000,
      like_count: 9,
      view_count: 80,
      ...patch,
    },
    '2026-10-22T00:00:00Z',
  );
const cand = (patch: Partial<Listing>, bm25: number) => ({
  doc: toListingDocument(listing(patch), 1, '2026-10-22T00:00:00Z'),
  bm25,
});
const now = new Date('2026-11-01T00:00:00Z');
const f = (row: number[], name: string) => row[FEATURE_NAMES.indexOf(name)]!;

describe('feature extraction', () => {
  const rows = extractFeatures(
    [
      cand({}, 10),
      cand(
        { id: 'y', title: 'Adidas shoes', brand: 'Adidas', price: 500, condition: 'poor', shipping_payer: 'buyer' },
        5,
      ),
    ],
    { query: 'nike sneakers', now },
  );

  it('computes text match signals', () => {
    expect(f(rows[0]!, 'bm25')).toBe(10);
    expect(f(rows[1]!, 'bm25_norm')).toBe(0.5);
    expect(f(rows[0]!, 'title_coverage')).toBe(1);
    expect(f(rows[1]!, 'title_coverage')).toBe(0);
    expect(f(rows[0]!, 'brand_match')).toBe(1);
    expect(f(rows[0]!, 'title_phrase')).toBe(0);
    expect(f(rows[0]!, 'first_match_position')).toBe(0);
    expect(f(rows[1]!, 'first_match_position')).toBe(1);
  });

  it('counts glued words in the loose title coverage', () => {
    const cov = (query: string, title: string) =>
      f(extractFeatures([cand({ title }, 1)], { query, now })[0]!, 'title_loose_coverage');
    expect(cov('usb hub', 'Anker USBC hub')).toBe(1); // "usb" begins "usbc"
    expect(cov('gaming pc', 'Gaming PCIe card')).toBeCloseTo(1 / 2, 10); // two letters begin nothing
    expect(cov('micro sd card', 'Integral 2GB SD Card')).toBeCloseTo(2 / 3, 10);
    expect(cov('head set', 'Logitech USB Headset H390')).toBe(1); // two query words, one title word
    expect(cov('usb c hub', 'Anker USB hub')).toBeCloseTo(2 / 3, 10); // one letter begins nothing
    expect(cov('', 'anything')).toBe(0);
  });

  it('matches the query as a substring of the title, word edges included', () => {
    // The training data were made with this rule (a substring of the joined title tokens), so the fast
    // paths of titlePhrase must keep it exactly.
    const phrase = (query: string, title: string) =>
      f(extractFeatures([cand({ title }, 1)], { query, now })[0]!, 'title_phrase');
    expect(phrase('air max', 'Nike Air Max sneakers')).toBe(1);
    expect(phrase('max air', 'Nike Air Max sneakers')).toBe(0);
    expect(phrase('dres', 'Summer dress')).toBe(1); // one word: inside a title word
    expect(phrase('ike air ma', 'Nike Air Max')).toBe(1); // first and last words at the edges of title words
    expect(phrase('nike max', 'Nike Air Max')).toBe(0);
    expect(phrase('a b c', 'a bb c')).toBe(0); // an inner word must be a whole title word
    expect(phrase('', 'Nike')).toBe(0);
  });

  it('computes listing quality and business signals', () => {
    expect(f(rows[0]!, 'condition')).toBe(3);
    expect(f(rows[1]!, 'condition')).toBe(0);
    expect(f(rows[0]!, 'age_days')).toBeCloseTo(10, 5);
    expect(f(rows[0]!, 'like_rate')).toBeCloseTo(10 / 100, 10);
    expect(f(rows[0]!, 'seller_ships')).toBe(1);
    expect(f(rows[1]!, 'seller_ships')).toBe(0);
    expect(f(rows[0]!, 'price_z')).toBeGreaterThan(0);
    expect(f(rows[1]!, 'price_z')).toBeLessThan(0);
  });

  it('flags accessories the query does not ask for', () => {
    const [monitor, stand, asked] = extractFeatures(
      [
        cand({ title: 'Philips LCD widescreen monitor' }, 5),
        cand({ id: 'y', title: 'Targus Universal Monitor Stand Black' }, 8),
        cand({ id: 'z', title: 'Phone cases (2 pack)' }, 3),
      ],
      { query: 'monitor', now },
    );
    expect(f(monitor!, 'accessory_term')).toBe(0);
    expect(f(monitor!, 'query_then_accessory')).toBe(0);
    expect(f(stand!, 'accessory_term')).toBe(1);
    expect(f(stand!, 'query_then_accessory')).toBe(1);
    expect(f(asked!, 'accessory_term')).toBe(1);
    // Asking for the accessory itself: it is what is wanted, not a stray one; plurals meet singulars.
    const [cases] = extractFeatures([cand({ title: 'Phone cases (2 pack)' }, 3)], { query: 'phone case', now });
    expect(f(cases!, 'accessory_term')).toBe(0);
    const [batteries] = extractFeatures([cand({ title: 'AA battery 4 pack' }, 3)], { query: 'batteries', now });
    expect(f(batteries!, 'accessory_term')).toBe(0);
  });

  it('tells a title naming what the query asks for from one using it as a modifier', () => {
    const head = (query: string, title: string) =>
      f(extractFeatures([cand({ title }, 1)], { query, now })[0]!, 'title_head_match');
    expect(head('gaming mouse', 'HyperX PULSEFIRE GAMING mouse USB Type-A 16000 DPI')).toBe(1); // acronym and specs follow
    expect(head('gaming mouse', 'HyperX FURY Gaming mouse pad')).toBe(0); // the item is a pad
    expect(head('monitor', 'HP L1906 Flat Panel Monitor 48.3 cm (19")')).toBe(1);
    expect(head('monitor', 'HP Standard Monitor Stand Black')).toBe(0);
    expect(head('lamp', 'Epson Lamp - ELPLP41')).toBe(1); // a break ends the name
    expect(head('micro sd card', 'V7 8GB Micro SDHC Card + Adapter')).toBe(1); // a bundle is still a card
    expect(head('playstation 4', 'Sony PlayStation 4 Pro 1TB White')).toBe(1); // past the query's words and "pro"
    expect(head('ipod', 'Philips Car Charger for iPod')).toBe(0); // what it fits, not what it is
    expect(head('ipod', 'Macally Holder (iPhone / iPod) Black')).toBe(0);
    expect(head('dvd drive', 'HP External SuperMulti (DL) DVD+/-RW Drive')).toBe(1); // an aside ends at its ')'
    expect(head('smartphone', 'HP screen protector Mobile phone/Smartphone 1 pc(s)')).toBe(0);
    expect(head('tablet', 'HP Compaq tc4400 Tablet PC')).toBe(1);
    expect(head('nike sneakers', 'Nike Air Max sneakers size 10 NWT')).toBe(1); // size and condition describe
    expect(head('watches', 'Fossil white Watch')).toBe(1);
    expect(head('nike sneakers', 'Nike Air Max sneakers laces')).toBe(0); // another word follows: not proven the head
    expect(head('sneakers', 'Nike Air Max sneakers')).toBe(1); // plural query, plural title
    expect(head('4', 'PlayStation 4')).toBe(0); // no word with a letter in the query
    expect(head('headphones', 'HEADPHONES CASE')).toBe(0); // capitals are words when the whole title shouts
  });

  it('uses defaults without a user and personal signals with one', () => {
    expect(f(rows[0]!, 'user_category_affinity')).toBe(0);
    expect(f(rows[0]!, 'user_price_fit')).toBe(0.5);
    const user: UserProfile = {
      user_id: 'u',
      category_affinity: { Men: 1, 'Men > Shoes': 0.8 },
      brand_affinity: { Nike: 0.6 },
      price_band: { low: 3000, high: 8000 },
      recent_listing_ids: [],
      purchased_listing_ids: [],
      recent_queries: [],
    };
    const [nike, adidas] = extractFeatures([cand({}, 10), cand({ id: 'y', brand: 'Adidas', price: 500 }, 5)], {
      query: 'shoes',
      user,
      now,
    });
    expect(f(nike!, 'user_category_affinity')).toBe(1);
    expect(f(nike!, 'user_brand_affinity')).toBe(0.6);
    expect(f(nike!, 'user_price_fit')).toBe(1);
    expect(f(adidas!, 'user_brand_affinity')).toBe(0);
    expect(f(adidas!, 'user_price_fit')).toBeLessThan(0.1);
  });

  it('is deterministic and matches the spec width', () => {
    const again = extractFeatures(
      [
        cand({}, 10),
        cand(
          { id: 'y', title: 'Adidas shoes', brand: 'Adidas', price: 500, condition: 'poor', shipping_payer: 'buyer' },
          5,
        ),
      ],
      { query: 'nike sneakers', now },
    );
    expect(again).toEqual(rows);
    expect(rows[0]).toHaveLength(FEATURE_NAMES.length);
    expect(tokens('Café Sneakers, NIKE!')).toEqual(['cafe', 'sneaker', 'nike']);
    expect(tokens('Batteries glass Watches DRESSES boxes brushes sizes')).toEqual([
      'battery',
      'glass',
      'watch',
      'dress',
      'box',
      'brush',
      'size',
    ]);
  });

  it('finds query tokens in a text exactly as tokens() would', () => {
    const text = 'Crème brûlée torch: BATTERIES included, glass cases; Ünïcode-Words & more batteries';
    const wanted = new Set(['creme', 'battery', 'glass', 'case', 'unicode', 'absent']);
    const expected = new Set(tokens(text).filter((t) => wanted.has(t)));
    expect(tokensAmong(text, wanted)).toEqual(expected);
    expect(expected.size).toBe(5);
    expect(tokensAmong(undefined, wanted).size).toBe(0);
    expect(tokensAmong(text, new Set()).size).toBe(0);
  });

  it('gives the cosine and its gap to the best candidate, and the defaults without an embedding', () => {
    const rows = extractFeatures(
      [{ ...cand({}, 3), semantic: 0.7 }, { ...cand({ id: 'y' }, 2), semantic: 0.4 }, cand({ id: 'z' }, 1)],
      { query: 'sneakers', now },
    );
    expect(rows.map((r) => f(r, 'semantic_cosine'))).toEqual([0.7, 0.4, 0]);
    expect(f(rows[0]!, 'semantic_gap')).toBe(0);
    expect(f(rows[1]!, 'semantic_gap')).toBeCloseTo(0.3);
    expect(f(rows[2]!, 'semantic_gap')).toBe(0.5);
  });
});
