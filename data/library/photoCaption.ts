import { UserError } from '../../common/userError.ts';
import type { Library, PhotoRecord } from './librarySchema.ts';

export interface CaptionChange {
  title?: string | null;
  keywords?: readonly string[];
}

const MAX_TITLE = 200;
const MAX_KEYWORDS = 50;
const MAX_KEYWORD = 64;

/**
 * Edits a photo's title and keywords (first filled from XMP/IPTC at import).
 * Checked whole before anything changes; a caption is shown on one line, so
 * line breaks are refused rather than silently joined.
 */
export function setPhotoCaption(library: Library, name: string, change: CaptionChange): PhotoRecord {
  const photo = library.photos[name];
  if (!photo) throw new UserError(`cannot caption ${name}: no such photo in the library`);
  let title = photo.title;
  if (change.title !== undefined) {
    title = change.title === null ? null : change.title.trim() || null;
    if (title && title.length > MAX_TITLE) throw new UserError(`cannot caption ${name}: the title is ${title.length} characters; at most ${MAX_TITLE}`);
    if (title && /[\r\n\u2028\u2029]/.test(title)) throw new UserError(`cannot caption ${name}: the title must be one line`);
  }
  let keywords = photo.keywords;
  if (change.keywords !== undefined) {
    keywords = [...new Set(change.keywords.map((keyword) => keyword.trim()).filter((keyword) => keyword.length > 0))];
    if (keywords.length > MAX_KEYWORDS) throw new UserError(`cannot caption ${name}: ${keywords.length} keywords; at most ${MAX_KEYWORDS}`);
    const bad = keywords.find((keyword) => keyword.length > MAX_KEYWORD || /[\r\n,]/.test(keyword));
    if (bad !== undefined) throw new UserError(`cannot caption ${name}: keyword "${bad.slice(0, 20)}…" is too long or holds a comma or line break`);
  }
  photo.title = title;
  photo.keywords = keywords;
  return photo;
}
