/**
 * A small seeded PRNG (a 32-bit linear congruential generator) for tooling that must repeat itself:
 * the click simulator, benchmark query mixes, bootstrap resampling. Not for anything secret.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}
