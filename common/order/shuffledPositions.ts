/**
 * Fisher–Yates over positions in a list, with the source of chance passed
 * in: a viewer's own pass (Math.random) and a group's shared pass (a seeded
 * generator every member runs alike) shuffle the same way, and a list of
 * 100,000 photos is shuffled as one Uint32Array, not as 100,000 strings.
 */
export function shuffleInPlace(order: Uint32Array, random: () => number): Uint32Array {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const kept = order[i]!;
    order[i] = order[j]!;
    order[j] = kept;
  }
  return order;
}

/** 0, 1, … length − 1: a list's own order, as positions. */
export function positionsInOrder(length: number): Uint32Array {
  const order = new Uint32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  return order;
}
