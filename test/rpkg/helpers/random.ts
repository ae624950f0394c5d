/** A deterministic pseudo-random generator (LCG) in [0, 1), so generated test cases reproduce. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}
