import { shapeOf, type AlbumRecord, type Library, type PhotoRecord } from './librarySchema.ts';

/**
 * Smart album rules: data, never code. A rule is a list of conditions that
 * must all hold; each is checked by a plain function below, so nothing a user
 * types is ever evaluated or spliced into a query.
 */
export type RuleCondition =
  | { kind: 'keyword'; text: string; negate: boolean }
  | { kind: 'name'; text: string }
  | { kind: 'orientation'; value: PhotoShape }
  | { kind: 'taken'; from: string | null; to: string | null }
  | { kind: 'year'; year: number }
  | { kind: 'album'; albumId: string };

export interface SmartRule {
  all: RuleCondition[];
}

export type PhotoShape = 'landscape' | 'portrait' | 'square';
const SHAPES: readonly PhotoShape[] = ['landscape', 'portrait', 'square'];

export class RuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleError';
  }
}

export const RULE_SYNTAX =
  'keyword:WORD, -keyword:WORD, name:TEXT, orientation:landscape|portrait|square, taken:YYYY-MM-DD..YYYY-MM-DD, year:YYYY, album:NAME';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses one condition such as `keyword:beach` or `taken:2023-01-01..`.
 * `albumIdOf` turns an album name into its id, or undefined if there is none.
 */
export function parseCondition(text: string, albumIdOf: (name: string) => string | undefined): RuleCondition {
  const trimmed = text.trim();
  const negate = trimmed.startsWith('-') || trimmed.startsWith('!');
  const body = negate ? trimmed.slice(1) : trimmed;
  const colon = body.indexOf(':');
  if (colon <= 0) throw new RuleError(`rule "${text}" is not field:value; use ${RULE_SYNTAX}`);
  const field = body.slice(0, colon).toLowerCase();
  const value = body.slice(colon + 1).trim();
  if (value === '') throw new RuleError(`rule "${text}" has no value after "${field}:"`);
  if (negate && field !== 'keyword') throw new RuleError(`rule "${text}": only keyword can be negated`);
  switch (field) {
    case 'keyword':
      return { kind: 'keyword', text: value.toLowerCase(), negate };
    case 'name':
      return { kind: 'name', text: value.toLowerCase() };
    case 'orientation': {
      const shape = SHAPES.find((s) => s.startsWith(value.toLowerCase()));
      if (!shape) throw new RuleError(`rule "${text}": orientation is landscape, portrait or square`);
      return { kind: 'orientation', value: shape };
    }
    case 'taken': {
      const [from = '', to = ''] = value.split('..');
      if (!value.includes('..') || (from && !DATE.test(from)) || (to && !DATE.test(to)) || (!from && !to)) {
        throw new RuleError(`rule "${text}": use taken:YYYY-MM-DD..YYYY-MM-DD (either side may be left out)`);
      }
      if (from && to && from > to) throw new RuleError(`rule "${text}": the range ends before it starts`);
      return { kind: 'taken', from: from || null, to: to || null };
    }
    case 'year': {
      if (!/^\d{4}$/.test(value)) throw new RuleError(`rule "${text}": year is four digits, e.g. year:2023`);
      return { kind: 'year', year: Number(value) };
    }
    case 'album': {
      const id = albumIdOf(value);
      if (id === undefined) throw new RuleError(`rule "${text}": there is no album "${value}"`);
      return { kind: 'album', albumId: id };
    }
    default:
      throw new RuleError(`rule "${text}": unknown field "${field}"; use ${RULE_SYNTAX}`);
  }
}

/** Parses conditions given by name against a library's albums. */
export function parseRule(texts: readonly string[], library: Library): SmartRule {
  if (texts.length === 0) throw new RuleError(`a smart album needs at least one rule: ${RULE_SYNTAX}`);
  const albumIdOf = (name: string) => (library.albums.find((a) => a.name === name) ?? library.albums.find((a) => a.id === name))?.id;
  return { all: texts.map((t) => parseCondition(t, albumIdOf)) };
}

export function formatCondition(condition: RuleCondition, albumNameOf: (id: string) => string): string {
  switch (condition.kind) {
    case 'keyword':
      return `${condition.negate ? '-' : ''}keyword:${condition.text}`;
    case 'name':
      return `name:${condition.text}`;
    case 'orientation':
      return `orientation:${condition.value}`;
    case 'taken':
      return `taken:${condition.from ?? ''}..${condition.to ?? ''}`;
    case 'year':
      return `year:${condition.year}`;
    case 'album': {
      // Quoted when it has spaces, so the text splits back into the same conditions.
      const name = albumNameOf(condition.albumId);
      return /\s/.test(name) ? `album:"${name}"` : `album:${name}`;
    }
  }
}

export function formatRule(rule: SmartRule, library: Library): string {
  return rule.all.map((c) => formatCondition(c, (id) => library.albums.find((a) => a.id === id)?.name ?? id)).join(' ');
}

const searchTexts = new WeakMap<PhotoRecord, string>();
const keywordTexts = new WeakMap<PhotoRecord, string>();

/**
 * What a keyword condition matches: the photo's keywords and title only,
 * lower-cased. Folder names and extensions are not keywords (keyword:jpg
 * would match everything); paths are for name: and the / filter.
 */
export function photoKeywordText(photo: PhotoRecord): string {
  let text = keywordTexts.get(photo);
  if (text === undefined) {
    text = `${photo.title ?? ''}\n${(photo.keywords ?? []).join('\n')}`.toLowerCase();
    keywordTexts.set(photo, text);
  }
  return text;
}

/** What the / filter matches: the photo's name, title, keywords and the paths it came from, lower-cased. */
export function photoSearchText(photo: PhotoRecord): string {
  let text = searchTexts.get(photo);
  if (text === undefined) {
    text = `${photo.name}\n${photo.title ?? ''}\n${(photo.keywords ?? []).join('\n')}\n${photo.sources.join('\n')}`.toLowerCase();
    searchTexts.set(photo, text);
  }
  return text;
}

const SHAPE_NAMES = { H: 'landscape', V: 'portrait', S: 'square' } as const;

/** The library's own shape (square within 2 %), by the name rules use. */
export function photoShape(photo: PhotoRecord): PhotoShape {
  return SHAPE_NAMES[photo.shape ?? shapeOf(photo.width, photo.height)];
}

function sourceNames(photo: PhotoRecord): string {
  return photo.sources.map((s) => s.slice(s.lastIndexOf('/') + 1)).join('\n').toLowerCase();
}

/**
 * One evaluation's memory of the albums it has followed: each referenced
 * album's photos are worked out once, however many rules refer to it, so
 * nested smart albums cost one pass each instead of one per path to them.
 */
export interface RuleEvaluation {
  readonly albumSets: Map<string, ReadonlySet<string>>;
}

export function newEvaluation(): RuleEvaluation {
  return { albumSets: new Map() };
}

/**
 * Every photo the rule selects, in library order. Album conditions that point
 * at smart albums are followed, and a cycle of smart albums (refused when a
 * rule is set, but possible in an older library) matches nothing rather
 * than looping.
 */
export function evaluateRule(rule: SmartRule, library: Library, evaluation: RuleEvaluation = newEvaluation(), visiting: ReadonlySet<string> = new Set()): string[] {
  const albumSets = new Map<string, ReadonlySet<string>>();
  for (const condition of rule.all) {
    if (condition.kind !== 'album' || albumSets.has(condition.albumId)) continue;
    albumSets.set(condition.albumId, referencedPhotos(library, condition.albumId, evaluation, visiting));
  }
  const matches = (photo: PhotoRecord) =>
    rule.all.every((condition) => {
      switch (condition.kind) {
        case 'keyword':
          return photoKeywordText(photo).includes(condition.text) !== condition.negate;
        case 'name':
          return photo.name.toLowerCase().includes(condition.text) || sourceNames(photo).includes(condition.text);
        case 'orientation':
          return photoShape(photo) === condition.value;
        case 'taken': {
          const day = photo.takenAt?.slice(0, 10);
          if (!day) return false;
          return (condition.from === null || day >= condition.from) && (condition.to === null || day <= condition.to);
        }
        case 'year':
          return photo.takenAt?.slice(0, 4) === String(condition.year);
        case 'album':
          return albumSets.get(condition.albumId)!.has(photo.name);
      }
    });
  const names: string[] = [];
  for (const photo of Object.values(library.photos)) if (matches(photo)) names.push(photo.name);
  return names;
}

function referencedPhotos(library: Library, albumId: string, evaluation: RuleEvaluation, visiting: ReadonlySet<string>): ReadonlySet<string> {
  if (visiting.has(albumId)) return new Set();
  const known = evaluation.albumSets.get(albumId);
  if (known) return known;
  const album = library.albums.find((a) => a.id === albumId);
  const photos = new Set(album ? albumPhotos(library, album, evaluation, visiting) : []);
  evaluation.albumSets.set(albumId, photos);
  return photos;
}

/** The photos an album shows: its list, or for a smart album whatever its rule matches now. */
export function albumPhotos(library: Library, album: AlbumRecord, evaluation: RuleEvaluation = newEvaluation(), visiting: ReadonlySet<string> = new Set()): string[] {
  if (!album.rule) return album.photos;
  return evaluateRule(album.rule, library, evaluation, new Set([...visiting, album.id]));
}
