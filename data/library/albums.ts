import { randomUUID } from 'node:crypto';
import { UserError } from '../../common/userError.ts';
import { groupsOf, type AlbumRecord, type Library } from './librarySchema.ts';
import { checkRuleNesting } from './ruleNesting.ts';
import type { SmartRule } from './smartRules.ts';

export function findAlbum(library: Library, nameOrId: string): AlbumRecord | undefined {
  return library.albums.find((album) => album.id === nameOrId) ?? library.albums.find((album) => album.name === nameOrId);
}

export function albumNameProblem(name: string): string | null {
  if (name.trim() === '') return 'album name is empty';
  if (name.length > 200) return 'album name is longer than 200 characters';
  return null;
}

/** The album with this name, created empty if there is none. */
export function ensureAlbum(library: Library, name: string, now = new Date()): AlbumRecord {
  const existing = library.albums.find((album) => album.name === name);
  if (existing) return existing;
  const problem = albumNameProblem(name);
  if (problem) throw new Error(problem);
  const album: AlbumRecord = { id: randomUUID(), name, photos: [], createdAt: now.toISOString() };
  library.albums.push(album);
  return album;
}

/** Appends photos not yet in the album, keeping the album's order; returns how many were new. */
export function addPhotosToAlbum(album: AlbumRecord, photoNames: readonly string[]): number {
  const present = new Set(album.photos);
  let added = 0;
  for (const name of photoNames) {
    if (present.has(name)) continue;
    present.add(name);
    album.photos.push(name);
    added++;
  }
  return added;
}

/** An album by name or id, or a UserError listing the albums there are. */
export function requireAlbum(library: Library, nameOrId: string): AlbumRecord {
  const album = findAlbum(library, nameOrId);
  if (album) return album;
  const names = library.albums.map((a) => a.name);
  throw new UserError(`unknown album "${nameOrId}"; ${names.length ? `albums are: ${names.join(', ')}` : 'there are no albums yet'}`);
}

function requireFreeName(library: Library, name: string, except?: AlbumRecord): void {
  const problem = albumNameProblem(name);
  if (problem) throw new UserError(`cannot name an album "${name}": ${problem}`);
  if (library.albums.some((a) => a.name === name && a !== except)) throw new UserError(`an album named "${name}" already exists`);
}

export function createAlbum(library: Library, name: string, rule?: SmartRule, now = new Date()): AlbumRecord {
  requireFreeName(library, name);
  const id = randomUUID();
  if (rule) checkRuleNesting(library, id, name, rule);
  const album: AlbumRecord = { id, name, photos: [], createdAt: now.toISOString(), ...(rule ? { rule } : {}) };
  library.albums.push(album);
  return album;
}

export function renameAlbum(library: Library, nameOrId: string, newName: string): AlbumRecord {
  const album = requireAlbum(library, nameOrId);
  requireFreeName(library, newName, album);
  album.name = newName;
  return album;
}

/**
 * Deletes an album; displays that showed it keep their photos but no longer
 * name an album. Refused while smart albums refer to it: they would silently
 * match nothing and show a raw id for the rule.
 */
export function deleteAlbum(library: Library, nameOrId: string): AlbumRecord {
  const album = requireAlbum(library, nameOrId);
  const dependents = library.albums.filter((other) => other.rule?.all.some((condition) => condition.kind === 'album' && condition.albumId === album.id));
  if (dependents.length) {
    const names = dependents.map((other) => `"${other.name}"`).join(', ');
    throw new UserError(`cannot delete album "${album.name}": smart album${dependents.length === 1 ? '' : 's'} ${names} refer${dependents.length === 1 ? 's' : ''} to it; change or delete ${dependents.length === 1 ? 'it' : 'them'} first`);
  }
  library.albums.splice(library.albums.indexOf(album), 1);
  for (const display of library.displays) if (display.albumId === album.id) display.albumId = null;
  for (const group of groupsOf(library)) if (group.albumId === album.id) group.albumId = null;
  return album;
}

function requireManual(album: AlbumRecord, verb: string): void {
  if (album.rule) throw new UserError(`cannot ${verb} album "${album.name}": it is a smart album; its rule decides its photos`);
}

/** Adds library photos to a manual album; names not in the library are refused before anything changes. */
export function addLibraryPhotos(library: Library, nameOrId: string, photoNames: readonly string[]): { album: AlbumRecord; added: number } {
  const album = requireAlbum(library, nameOrId);
  requireManual(album, 'add photos to');
  const unknown = photoNames.filter((name) => !Object.hasOwn(library.photos, name));
  if (unknown.length) throw new UserError(`not in the library: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`);
  return { album, added: addPhotosToAlbum(album, photoNames) };
}

export function removeAlbumPhotos(library: Library, nameOrId: string, photoNames: readonly string[]): { album: AlbumRecord; removed: number } {
  const album = requireAlbum(library, nameOrId);
  requireManual(album, 'remove photos from');
  const gone = new Set(photoNames);
  const before = album.photos.length;
  album.photos = album.photos.filter((name) => !gone.has(name));
  return { album, removed: before - album.photos.length };
}

/** Makes an album smart with this rule, creating it when there is none of that name. */
export function setAlbumRule(library: Library, name: string, rule: SmartRule): { album: AlbumRecord; created: boolean } {
  const existing = findAlbum(library, name);
  if (!existing) return { album: createAlbum(library, name, rule), created: true };
  if (!existing.rule && existing.photos.length > 0) {
    throw new UserError(`album "${existing.name}" is a manual album with ${existing.photos.length} photos; choose a new name for the smart album`);
  }
  checkRuleNesting(library, existing.id, existing.name, rule);
  existing.rule = rule;
  existing.photos = [];
  return { album: existing, created: false };
}
