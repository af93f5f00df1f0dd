import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile.ts';
import type { HomePaths } from '../../common/homePaths.ts';
import { UserError } from '../../common/userError.ts';
import { addPhotosToAlbum, albumNameProblem, ensureAlbum } from '../library/albums.ts';
import type { PhotoRecord } from '../library/librarySchema.ts';
import type { LibraryStore } from '../library/libraryStore.ts';
import { makeThumbnail, thumbnailPath } from '../renditions/renditions.ts';
import { readPhotoMetadata } from './photoMetadata.ts';
import { photoName, sha256Hex } from './photoNaming.ts';
import { scanForFiles } from './photoScan.ts';

export interface ImportRequest {
  sources: readonly string[];
  album?: string;
  concurrency?: number;
}

export interface ImportReport {
  imported: PhotoRecord[];
  /** Files whose content the library already had (or met earlier in this run). */
  duplicates: { path: string; name: string }[];
  skipped: { path: string; reason: string }[];
  album: { name: string; added: number } | null;
}

type FileOutcome =
  | { kind: 'new'; path: string; record: PhotoRecord }
  | { kind: 'duplicate'; path: string; name: string }
  | { kind: 'skipped'; path: string; reason: string };

/**
 * Imports photos: content-addressed copies under photos/, a thumbnail each,
 * and one library write at the end. Bad files are reported and skipped; they
 * never stop the rest.
 */
export async function importPhotos(store: LibraryStore, paths: HomePaths, request: ImportRequest): Promise<ImportReport> {
  if (request.album !== undefined) {
    const problem = albumNameProblem(request.album);
    if (problem) throw new UserError(`cannot import into album "${request.album}": ${problem}`);
  }
  const { files, problems } = await scanForFiles(request.sources);
  const known = new Set(Object.keys((await store.read()).photos));
  const claimed = new Map<string, string>();

  const processFile = async (path: string): Promise<FileOutcome> => {
    let content: Buffer;
    try {
      content = await readFile(path);
    } catch (error) {
      return { kind: 'skipped', path, reason: `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
    }
    const sha256 = sha256Hex(content);
    try {
      const metadata = await readPhotoMetadata(content);
      const name = photoName(sha256, metadata.format);
      // Two equal files in one run: the first to claim the name imports it, the other is its duplicate.
      if (known.has(name) || claimed.has(name)) return { kind: 'duplicate', path, name };
      claimed.set(name, path);
      let thumbnail: Buffer;
      try {
        thumbnail = await makeThumbnail(content);
      } catch (error) {
        claimed.delete(name);
        throw new Error(`corrupt image (${(error as Error).message.split('\n')[0]})`);
      }
      await writeFileAtomic(join(paths.photos, name), content);
      await writeFileAtomic(thumbnailPath(paths.thumbnails, name), thumbnail);
      const record: PhotoRecord = {
        name,
        sha256,
        format: metadata.format,
        width: metadata.width,
        height: metadata.height,
        orientation: metadata.orientation,
        takenAt: metadata.takenAt,
        bytes: content.length,
        importedAt: new Date().toISOString(),
        sources: [path],
      };
      return { kind: 'new', path, record };
    } catch (error) {
      return { kind: 'skipped', path, reason: (error as Error).message };
    }
  };

  const outcomes = await mapWithConcurrency(files, request.concurrency ?? availableParallelism(), processFile);

  const report: ImportReport = {
    imported: [],
    duplicates: [],
    skipped: problems.map((p) => ({ path: p.path, reason: p.reason })),
    album: null,
  };
  const namesInOrder: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.kind === 'new') {
      report.imported.push(outcome.record);
      namesInOrder.push(outcome.record.name);
    } else if (outcome.kind === 'duplicate') {
      report.duplicates.push({ path: outcome.path, name: outcome.name });
      namesInOrder.push(outcome.name);
    } else {
      report.skipped.push({ path: outcome.path, reason: outcome.reason });
    }
  }

  if (report.imported.length === 0 && report.duplicates.length === 0 && request.album === undefined) return report;
  await store.update((library) => {
    for (const record of report.imported) {
      const existing = library.photos[record.name];
      // Another import may have added the same content meanwhile; keep its record and merge sources.
      if (existing) existing.sources = [...new Set([...existing.sources, ...record.sources])];
      else library.photos[record.name] = record;
    }
    for (const duplicate of report.duplicates) {
      const photo = library.photos[duplicate.name];
      if (photo && !photo.sources.includes(duplicate.path)) photo.sources.push(duplicate.path);
    }
    if (request.album !== undefined) {
      const album = ensureAlbum(library, request.album);
      // A duplicate of a file that turned out corrupt names a photo that never arrived.
      const present = namesInOrder.filter((name) => library.photos[name] !== undefined);
      report.album = { name: album.name, added: addPhotosToAlbum(album, present) };
    }
  });
  return report;
}

async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
