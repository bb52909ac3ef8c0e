import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupRedis, testConfig } from '../../../test/support/services.js';
import { loadUserProfile, recordEvents, type ListingFacts } from '../../src/profiles/profile-store.js';

const config = testConfig();
const redis = new Redis(config.redis.url);
afterAll(async () => {
  await cleanupRedis(config);
  redis.disconnect();
});

describe('profile fit', () => {
  it('learns the size per department from likes, apart from the global size shares', async () => {
    const facts = new Map<string, ListingFacts>([
      ['dress-s', { category_path: ['Women', 'Dresses'], size: 'Size S', price: 3000 }],
      ['top-s', { category_path: ['Women', 'Tops'], size: 'Size S', price: 2000 }],
      ['top-m', { category_path: ['Women', 'Tops'], size: 'Size M', price: 2000 }],
      ['boot-8', { category_path: ['Shoes', 'Boots'], size: 'Size 8', price: 5000 }],
    ]);
    const ts = new Date().toISOString();
    await recordEvents(
      redis,
      config.redis.namespace,
      [...facts.keys()].map((id) => ({ user_id: 'fit', type: 'like' as const, listing_id: id, ts })),
      facts,
    );
    const profile = await loadUserProfile(redis, config.redis.namespace, 'fit');
    expect(profile!.size_by_department!['Women']!['Size S']).toBeCloseTo(2 / 3, 5);
    expect(profile!.size_by_department!['Women']!['Size M']).toBeCloseTo(1 / 3, 5);
    expect(profile!.size_by_department!['Shoes']).toEqual({ 'Size 8': 1 });
    expect(profile!.size_affinity!['Size 8']).toBeCloseTo(1 / 4, 5);
  });

  it('learns colour shares, size within the category, the median price and the likes (the learned feed ranker reads them)', async () => {
    const facts = new Map<string, ListingFacts>([
      ['a', { category_path: ['Women', 'Dresses'], size: 'Size S', price: 1000, color: 'Black' }],
      ['b', { category_path: ['Women', 'Dresses'], size: 'Size S', price: 3000, color: 'Black' }],
      ['c', { category_path: ['Women', 'Jeans'], size: 'Size 28', price: 2000, color: 'Blue' }],
      ['d', { category_path: ['Women', 'Jeans'], size: 'Size 29', price: 6000 }],
    ]);
    const ts = new Date().toISOString();
    await recordEvents(
      redis,
      config.redis.namespace,
      [...facts.keys()].map((id) => ({ user_id: 'fit2', type: 'like' as const, listing_id: id, ts })),
      facts,
    );
    const profile = (await loadUserProfile(redis, config.redis.namespace, 'fit2'))!;
    expect(profile.color_affinity!['Black']).toBeCloseTo(2 / 3, 5);
    expect(profile.color_affinity!['Blue']).toBeCloseTo(1 / 3, 5);
    expect(profile.size_by_category!['Women > Dresses']).toEqual({ 'Size S': 1 });
    expect(profile.size_by_category!['Women > Jeans']!['Size 28']).toBeCloseTo(1 / 2, 5);
    expect(profile.price_median).toBe(2500);
    expect(profile.liked_listing_ids).toHaveLength(4);
  });
});
