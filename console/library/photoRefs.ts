import { UserError } from '../../common/userError.ts';
import type { Library } from '../../data/library/librarySchema.ts';

/**
 * Photos named on the command line: by library name (`3fa9….jpg`) or by the
 * file name they were imported from (`IMG_1234.jpg`) when only one photo has
 * it. Every name is checked before anything changes.
 */
export function resolvePhotoRefs(library: Library, refs: readonly string[]): string[] {
  let bySource: Map<string, string[]> | null = null;
  const problems: string[] = [];
  const names = refs.map((ref) => {
    if (Object.hasOwn(library.photos, ref)) return ref;
    if (!bySource) {
      bySource = new Map();
      for (const photo of Object.values(library.photos)) {
        for (const source of photo.sources) {
          const file = source.slice(source.lastIndexOf('/') + 1);
          const list = bySource.get(file) ?? [];
          if (!list.includes(photo.name)) list.push(photo.name);
          bySource.set(file, list);
        }
      }
    }
    const matches = bySource.get(ref) ?? [];
    if (matches.length === 1) return matches[0]!;
    problems.push(matches.length === 0 ? `no photo "${ref}"` : `"${ref}" names ${matches.length} photos (${matches.join(', ')}); use the library name`);
    return '';
  });
  if (problems.length) throw new UserError(`${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` and ${problems.length - 3} more` : ''}; see \`photoframe photos\``);
  return names;
}
