/**
 * How a group (the original's frameset) shares its album: the photos shuffled
 * and dealt round the members like cards, so the parts differ in size by at
 * most one and no photo is in two parts. Pure: the randomness is passed in.
 */
export function splitAmong(photos: readonly string[], members: readonly string[], random: () => number = Math.random): Map<string, string[]> {
  const parts = new Map<string, string[]>(members.map((member) => [member, []]));
  if (members.length === 0) return parts;
  const deck = [...new Set(photos)];
  for (let i = deck.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deck[i], deck[j]] = [deck[j]!, deck[i]!];
  }
  deck.forEach((photo, index) => parts.get(members[index % members.length]!)!.push(photo));
  return parts;
}
