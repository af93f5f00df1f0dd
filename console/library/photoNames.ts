import type { Library } from '../../data/library/librarySchema.ts';
import { photoFileName } from './photoList.ts';

/**
 * What a person calls a photo: the file name it was imported as. Where two
 * photos of the library share a file name (`sample-1.jpg` from two
 * folders), the start of the content hash tells them apart. Scripts get the
 * hash itself (`--json`).
 */
const labelsOf = new WeakMap<Library, Map<string, string>>();

export const HASH_SHOWN = 6;

function labels(library: Library): Map<string, string> {
  let labels = labelsOf.get(library);
  if (labels) return labels;
  // Once per library object: 100,000 photos cost a few milliseconds, not one pass per row drawn.
  const byFile = new Map<string, number>();
  const files = new Map<string, string>();
  for (const photo of Object.values(library.photos)) {
    const file = photoFileName(photo);
    files.set(photo.name, file);
    byFile.set(file.toLowerCase(), (byFile.get(file.toLowerCase()) ?? 0) + 1);
  }
  labels = new Map();
  for (const [name, file] of files) labels.set(name, byFile.get(file.toLowerCase())! > 1 ? `${file} (${name.slice(0, HASH_SHOWN)})` : file);
  labelsOf.set(library, labels);
  return labels;
}

/** The photo's file name, with its hash's start only when another photo has the same file name; unknown names as given. */
export function photoLabel(library: Library, name: string): string {
  return labels(library).get(name) ?? name;
}
