import { accept, parseJson, refuse, type Decoded } from '../decoded.ts';

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

export function decodeImages(raw: string): Decoded<ImageList> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  if (!Array.isArray(parsed.value)) return refuse('images must be a JSON array of image names');
  for (const [index, name] of parsed.value.entries()) {
    const problem = imageNameProblem(name);
    if (problem) return refuse(`images[${index}] ${problem}`);
  }
  return accept(parsed.value as string[]);
}

export function encodeImages(images: ImageList): string {
  for (const [index, name] of images.entries()) {
    const problem = imageNameProblem(name);
    if (problem) throw new Error(`cannot encode images: images[${index}] ${problem}`);
  }
  return JSON.stringify(images);
}
