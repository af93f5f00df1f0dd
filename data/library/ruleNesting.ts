import type { Library } from './librarySchema.ts';
import { RuleError, type SmartRule } from './smartRules.ts';

/** Smart albums may refer to smart albums this many deep (the album itself counts): enough for real use, bounded for evaluation. */
export const MAX_RULE_NESTING = 8;

/**
 * Refuses giving album `albumId` the rule `rule` when that would make smart
 * albums refer to themselves (which can only match nothing) or nest deeper
 * than MAX_RULE_NESTING. Checked when a rule is set, so a bad rule is never saved.
 */
export function checkRuleNesting(library: Library, albumId: string, albumName: string, rule: SmartRule): void {
  const nameOf = (id: string) => (id === albumId ? albumName : (library.albums.find((a) => a.id === id)?.name ?? id));
  const ruleOf = (id: string) => (id === albumId ? rule : library.albums.find((a) => a.id === id)?.rule);
  const depths = new Map<string, number>();
  const depth = (id: string, path: readonly string[]): number => {
    if (path.includes(id)) {
      throw new RuleError(`smart album "${albumName}" would refer to itself: ${[...path.slice(path.indexOf(id)), id].map(nameOf).join(' → ')}`);
    }
    const known = depths.get(id);
    if (known !== undefined) return known;
    const own = ruleOf(id);
    if (!own) return 0;
    let deepest = 0;
    for (const condition of own.all) if (condition.kind === 'album') deepest = Math.max(deepest, depth(condition.albumId, [...path, id]));
    depths.set(id, deepest + 1);
    return deepest + 1;
  };
  const nesting = depth(albumId, []);
  if (nesting > MAX_RULE_NESTING) {
    throw new RuleError(`smart album "${albumName}" would nest ${nesting} smart albums deep; at most ${MAX_RULE_NESTING} may refer one to another`);
  }
}
