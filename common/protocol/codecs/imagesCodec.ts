import { accept, describeValue, parseJson, refuse, type Decoded } from '../decoded.ts';

/** `/<id>:images` — a JSON array of image names, in the order to show them. */
export type ImageList = string[];

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Why a name cannot be used as an image name, or null if it can. */
export function imageNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'is not a string';
  if (name.length === 0) return 'is empty';
  if (name.length > 255) return 'is longer than 255 characters';
  // Names become URL path segments and cache file names, so nothing that could climb out of a folder.
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator';
  if (name.startsWith('.')) return 'starts with "."';
  if (CONTROL_CHARS.test(name)) return 'contains a control character';
  return null;
}

const MAX_NOTES = 3;

/**
 * The names a viewer can use; an unusable one (a macOS `._` file, a path) is
 * left out with a note, and only a list with nothing usable left is refused.
 */
export function decodeImages(raw: string): Decoded<ImageList> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  if (!Array.isArray(parsed.value)) return refuse(`images must be a JSON array of image names, got ${describeValue(parsed.value)}`);
  const usable: string[] = [];
  const notes: string[] = [];
  let leftOut = 0;
  for (const [index, name] of parsed.value.entries()) {
    const problem = imageNameProblem(name);
    if (problem === null) {
      usable.push(name as string);
      continue;
    }
    leftOut++;
    if (notes.length < MAX_NOTES) notes.push(`images[${index}] ${describeValue(name)} ${problem}; left out`);
  }
  if (leftOut > notes.length) notes.push(`${leftOut - notes.length} more unusable names left out`);
  if (usable.length === 0 && leftOut > 0) return refuse(`images has no usable name: ${notes[0]}`);
  return accept(usable, notes);
}

export function encodeImages(images: ImageList): string {
  for (const [index, name] of images.entries()) {
    const problem = imageNameProblem(name);
    if (problem) throw new Error(`cannot encode images: images[${index}] ${problem}`);
  }
  return JSON.stringify(images);
}
