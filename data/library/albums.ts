import { randomUUID } from 'node:crypto';
import type { AlbumRecord, Library } from './librarySchema.ts';

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
