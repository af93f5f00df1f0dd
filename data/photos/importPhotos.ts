import { mkdir, readFile, realpath, rename, stat, symlink, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { removeStaleTempDirs, removeStaleTempFiles } from '../../common/staleTempFiles.ts';
import { tempPathBeside } from '../../common/atomicFile.ts';
import { isFile } from '../../common/fileOnce.ts';
import type { HomePaths } from '../../common/homePaths.ts';
import { UserError } from '../../common/userError.ts';
import { addPhotosToAlbum, albumNameProblem, ensureAlbum } from '../library/albums.ts';
import { isFileLocked, LockBusyError, LockLostError, withFileLock } from '../library/fileLock.ts';
import type { Library, PhotoRecord } from '../library/librarySchema.ts';
import type { LibraryStore } from '../library/libraryStore.ts';
import { thumbnailPath } from '../renditions/renditions.ts';
import { copyWalkedFile, DEFAULT_MAX_FILE_BYTES, readWalkedFile } from './fileHeader.ts';
import { kernelCopy } from './kernelCopy.ts';
import { BatchCommitter } from './batchCommitter.ts';
import { deadJournals, ImportJournal } from './importJournal.ts';
import { progressAt, scanningProgress, type ImportProgress, type ProgressCounts } from './importProgress.ts';
import { DEFAULT_MAX_PIXELS, firstLine, PhotoRejectedError, readPhotoHeader } from './photoAnalysis.ts';
import { PhotoFileWrites } from './photoFileWrites.ts';
import { ReadBuffers } from './readBuffers.ts';
import { photoName, sha256Hex } from './photoNaming.ts';
import { isInside, realRootsOf, scanForFiles, type ScannedFile } from './photoScan.ts';
import { locatePhotos, photosToLocate } from '../places/locatePhotos.ts';
import { reverseGeocoder } from '../places/reverseGeocoder.ts';

export interface ImportRequest {
  sources: readonly string[];
  album?: string;
  /** Files in flight at once; twice the cores by default (see FILES_IN_FLIGHT_PER_CORE). */
  concurrency?: number;
  /** Files above this size are skipped without being opened. */
  maxFileBytes?: number;
  /** Images declaring more pixels are skipped without being decoded. */
  maxPixels?: number;
  followLinksOutside?: boolean;
  /** Link the originals where they are instead of copying them into the library. */
  inPlace?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * After each batch of photos is recorded (as preparing): the preparation
   * queue can start on them while the import goes on. The first batch is
   * recorded with the first photo.
   */
  onRecorded?: (names: readonly string[]) => void;
  /** How long a silent import lock counts as abandoned; tests shorten it to stage a takeover. */
  lockStaleMs?: number;
}

export interface ImportReport {
  imported: PhotoRecord[];
  /** Files whose content the library already had (or met earlier in this run). */
  duplicates: { path: string; name: string }[];
  /** Files the library already has from this very path, size and time: not read again. */
  unchanged: { path: string; name: string }[];
  skipped: { path: string; reason: string }[];
  album: { name: string; added: number } | null;
  /** What an interrupted earlier import left behind and this one cleared. */
  cleanup: { temporaryFiles: number; orphanPhotos: number };
}

type FileOutcome =
  | { kind: 'new'; path: string; record: PhotoRecord }
  | { kind: 'duplicate'; path: string; name: string; stamp: string }
  | { kind: 'unchanged'; path: string; name: string }
  | { kind: 'skipped'; path: string; reason: string };

/**
 * Long enough that a busy machine or a laptop lid does not hand the lock to a
 * second import; clearing up after a dead import no longer depends on the
 * lock (see ImportJournal), so a late takeover is only slower, never unsafe.
 */
const IMPORT_LOCK_STALE_MS = 60_000;

/**
 * A file in flight spends part of its time waiting on the disk (the journal's
 * fsync before its rename, the fsyncs behind it), so one per core leaves the
 * cores half idle. Measured on 240 12 MP JPEGs, 2 cores: 82 photos/s with 2
 * in flight, 99 with 3, 116 with 4, 124 with 6. Each holds one read buffer.
 */
const FILES_IN_FLIGHT_PER_CORE = 2;

/** Records are written in batches, so a killed import keeps most of its work and the store is not rewritten per photo. */
const COMMIT_EVERY = 250;

/** Photos wait at most this long for their record (unless writing the library takes longer, see commitDue). */
const RECORD_WITHIN_MS = 1_000;

/**
 * Imports photos: content-addressed copies (or links, in place) under
 * photos/, each recorded as `preparing` from its header alone. Nothing is
 * decoded here: the thumbnail, the full decode check and the display
 * renditions are the preparation queue's (data/preparation), so the import
 * runs at the speed of reading, hashing and writing the files. Files that are
 * no image at all (signature, header, size, pixel limit) are reported and
 * skipped; they never stop the rest. One import runs at a time per home, which is what lets it
 * clear what a killed one left behind.
 */
export async function importPhotos(store: LibraryStore, paths: HomePaths, request: ImportRequest): Promise<ImportReport> {
  if (request.album !== undefined) {
    const problem = albumNameProblem(request.album);
    if (problem) throw new UserError(`cannot import into album "${request.album}": ${problem}`);
  }
  let locked = false;
  try {
    return await withFileLock(
      join(paths.home, 'import'),
      (lost) => {
        locked = true;
        return importLocked(store, paths, request, lost);
      },
      request.lockStaleMs ?? IMPORT_LOCK_STALE_MS,
    );
  } catch (error) {
    // Busy before we got in: another import. Busy after: the library file's own lock, reported as it is.
    if (error instanceof LockBusyError && !locked) throw new UserError(`cannot import into ${paths.home}: another import into this library is running (or was killed less than a minute ago); wait for it to finish`);
    throw error;
  }
}

async function importLocked(store: LibraryStore, paths: HomePaths, request: ImportRequest, lost: AbortSignal): Promise<ImportReport> {
  const started = Date.now();
  const maxFileBytes = request.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxPixels = request.maxPixels ?? DEFAULT_MAX_PIXELS;
  // The library's own files too: a kill -9 during a store write leaves its temp file in the home folder.
  let temporaryFiles = 0;
  for (const dir of [paths.photos, paths.thumbnails, paths.home]) temporaryFiles += await removeStaleTempFiles(dir);
  temporaryFiles += await removeStaleTempDirs(paths.tmp);
  // What dead imports wrote without recording becomes ours to adopt (if met again) or remove at the end; ours first, so a kill now loses nothing.
  const journal = ImportJournal.forThisProcess(paths.home);
  const inherited = await deadJournals(paths.home);
  await journal.add(inherited.flatMap((dead) => dead.names));
  for (const dead of inherited) await unlink(dead.path).catch(() => {});
  const { files, problems } = await scanForFiles(request.sources, {
    followLinksOutside: request.followLinksOutside,
    onFound: request.onProgress && ((found) => request.onProgress!(scanningProgress(found, Date.now() - started))),
  });

  const realRoots = request.inPlace ? await realRootsOf(request.sources) : [];
  const library = await store.read();
  const known = new Set(Object.keys(library.photos));
  const bySource = sourceIndex(library);
  const claimed = new Set<string>();
  const writes = new PhotoFileWrites();
  // Measured on 12 MP JPEGs: 100-121 photos/s copied in the kernel against 75-89 written from memory (less CPU, too).
  const copier = request.inPlace ? null : kernelCopy();
  if (copier) await mkdir(paths.photos, { recursive: true });
  const buffers = new ReadBuffers();
  const counts: ProgressCounts = { total: files.length, done: 0, imported: 0, duplicates: 0, unchanged: 0, skipped: 0 };

  const processFile = async (file: ScannedFile): Promise<FileOutcome> => {
    const stamp = `${file.size}:${Math.trunc(file.mtimeMs)}`;
    const seen = bySource.get(file.path);
    if (seen && seen.stamp === stamp) return { kind: 'unchanged', path: file.path, name: seen.name };
    // The content lives in it only until this file is done: nothing below keeps it.
    const buffer = buffers.lease();
    // Copied in the kernel before its name is known (the hash of what was copied names it): until then, this temp file.
    const temp = copier ? tempPathBeside(join(paths.photos, 'import')) : null;
    let placed = false;
    try {
      lost.throwIfAborted();
      // Checked and read through one handle: the folder may have changed since the walk.
      const header = temp
        ? await copyWalkedFile(file, maxFileBytes, temp, buffer.take, copier!)
        : await readWalkedFile(file, maxFileBytes, !request.inPlace, buffer.take);
      if (!header.ok) return { kind: 'skipped', path: file.path, reason: header.reason };
      const { content } = header;
      const sha256 = sha256Hex(content);
      const name = photoName(sha256, header.format);
      // Two equal files in one run: the first to claim the name imports it, the other is its duplicate.
      if (known.has(name) || claimed.has(name)) return { kind: 'duplicate', path: file.path, name, stamp };
      claimed.add(name);
      let metadata;
      try {
        metadata = await readPhotoHeader(content, new Date(file.mtimeMs), maxPixels);
      } catch (error) {
        claimed.delete(name);
        throw error;
      }
      const stored = join(paths.photos, name);
      // Journaled before it can exist under its name, so no crash can leave a photo file that no journal names.
      // The journal write goes on while the copy is written: only the rename waits for it.
      const journaled = journal.add([name]);
      journaled.catch(() => {});
      // A photo file without a record is what a killed import leaves: adopt it rather than write it again,
      // once it proves to hold this content (photo files are fsynced per batch, so a power cut may leave one torn).
      if (!(await holdsContent(stored, sha256, request.inPlace === true))) {
        if (request.inPlace) {
          await journaled;
          lost.throwIfAborted();
          const target = await inPlaceTarget(file, realRoots, request.followLinksOutside === true);
          if (typeof target === 'string') {
            claimed.delete(name);
            return { kind: 'skipped', path: file.path, reason: target };
          }
          await linkAtomic(target, stored);
          writes.note(stored, false);
        } else {
          const beforeRename = async () => {
            await journaled;
            lost.throwIfAborted();
          };
          if (temp) {
            await writes.place(temp, stored, beforeRename);
            placed = true;
          } else {
            await writes.write(stored, content, beforeRename);
          }
        }
      } else {
        await journaled;
        writes.note(stored, !request.inPlace);
      }
      const record: PhotoRecord = {
        name,
        sha256,
        format: header.format,
        ...metadata,
        // Offline, from the GPS position: a lookup of a few microseconds once the data set is loaded.
        place: metadata.gps ? reverseGeocoder().placeAt(metadata.gps) : null,
        bytes: content.length,
        importedAt: new Date().toISOString(),
        sources: [file.path],
        sourceStamps: { [file.path]: stamp },
        storage: request.inPlace ? 'in-place' : 'copy',
        // Ready once the preparation queue has decoded it in full; until then no display gets it.
        state: 'preparing',
      };
      return { kind: 'new', path: file.path, record };
    } catch (error) {
      // Not this file's fault: the whole import must stop.
      if (error instanceof LockLostError) throw error;
      if (error instanceof PhotoRejectedError) return { kind: 'skipped', path: file.path, reason: error.message };
      const code = (error as NodeJS.ErrnoException).code;
      return { kind: 'skipped', path: file.path, reason: `cannot import (${code ?? firstLine(error)})` };
    } finally {
      buffer.release();
      if (temp && !placed) await unlink(temp).catch(() => {});
    }
  };

  let commitCost = { startedAt: 0, tookMs: 0 };
  const committer = new BatchCommitter<FileOutcome>(async (batch) => {
    const startedAt = Date.now();
    lost.throwIfAborted();
    // The batch's photo files (and any written since) become durable before any record names them.
    await writes.syncAll();
    // A duplicate can finish before the file it duplicates is recorded: it waits for a later batch.
    const waiting = await store.update((library) => applyOutcomes(library, batch));
    const recorded = batch.flatMap((outcome) => (outcome.kind === 'new' ? [outcome.record.name] : []));
    await journal.forget(recorded);
    commitCost = { startedAt, tookMs: Date.now() - startedAt };
    if (recorded.length > 0) request.onRecorded?.(recorded);
    return waiting;
  });
  const outcomes = await mapWithConcurrency(files, request.concurrency ?? FILES_IN_FLIGHT_PER_CORE * availableParallelism(), async (file) => {
    const outcome = await processFile(file);
    counts.done++;
    counts[outcome.kind === 'new' ? 'imported' : outcome.kind === 'duplicate' ? 'duplicates' : outcome.kind]++;
    if (outcome.kind === 'new' || outcome.kind === 'duplicate') {
      committer.add(outcome);
      if (commitDue(committer.size, commitCost, Date.now())) void committer.commit();
    }
    request.onProgress?.(progressAt(counts, Date.now() - started));
    return outcome;
  });

  const report: ImportReport = {
    imported: [],
    duplicates: [],
    unchanged: [],
    skipped: problems.map((p) => ({ path: p.path, reason: p.reason })),
    album: null,
    cleanup: { temporaryFiles, orphanPhotos: 0 },
  };
  const namesInOrder: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.kind === 'new') {
      report.imported.push(outcome.record);
      namesInOrder.push(outcome.record.name);
    } else if (outcome.kind === 'duplicate' || outcome.kind === 'unchanged') {
      report[outcome.kind === 'duplicate' ? 'duplicates' : 'unchanged'].push({ path: outcome.path, name: outcome.name });
      namesInOrder.push(outcome.name);
    } else {
      report.skipped.push({ path: outcome.path, reason: outcome.reason });
    }
  }

  // The last batch holds every outcome not yet written; a duplicate still waiting after it duplicates a corrupt file.
  await committer.finish();
  if (request.album !== undefined) {
    await store.update((library) => {
      const album = ensureAlbum(library, request.album!);
      // A duplicate of a file that turned out corrupt names a photo that never arrived.
      const present = namesInOrder.filter((name) => library.photos[name] !== undefined);
      report.album = { name: album.name, added: addPhotosToAlbum(album, present) };
    });
  }
  // Photos imported before places existed get theirs now, with the data set this run may have loaded anyway.
  const current = await store.read();
  if (photosToLocate(current).length > 0) {
    lost.throwIfAborted();
    await store.update((library) => void locatePhotos(library, reverseGeocoder()));
  }
  lost.throwIfAborted();
  report.cleanup.orphanPhotos = await removeUnrecorded(paths, journal.pending(), await store.read());
  await journal.remove();
  return report;
}

/**
 * Whether to write the records gathered so far: after a batch's worth, or a
 * second after the last write (at once for the first photo), so the
 * preparation queue gets photos to check while the import still runs; and
 * never so often that writing a large library (seconds at 100,000 photos)
 * takes more than a tenth of the import's time.
 */
export function commitDue(pendingCount: number, last: { startedAt: number; tookMs: number }, now: number): boolean {
  if (pendingCount === 0 || now - last.startedAt < 10 * last.tookMs) return false;
  return pendingCount >= COMMIT_EVERY || now - last.startedAt >= RECORD_WITHIN_MS;
}

/** Whether an import into this library is running now (its photos are still being recorded). */
export function importRunning(paths: HomePaths): Promise<boolean> {
  return isFileLocked(join(paths.home, 'import'), IMPORT_LOCK_STALE_MS);
}

/** Records a batch; returns the duplicates whose photo is not recorded yet. */
function applyOutcomes(library: Library, batch: readonly FileOutcome[]): FileOutcome[] {
  const waiting: FileOutcome[] = [];
  for (const outcome of batch) {
    if (outcome.kind === 'new') {
      const existing = library.photos[outcome.record.name];
      // Another import may have added the same content meanwhile; keep its record and merge sources.
      if (existing) addSource(existing, outcome.path, outcome.record.sourceStamps[outcome.path]!);
      else library.photos[outcome.record.name] = outcome.record;
    }
  }
  for (const outcome of batch) {
    if (outcome.kind !== 'duplicate') continue;
    const photo = library.photos[outcome.name];
    if (photo) addSource(photo, outcome.path, outcome.stamp);
    else waiting.push(outcome);
  }
  return waiting;
}

function addSource(photo: PhotoRecord, path: string, stamp: string): void {
  if (!photo.sources.includes(path)) photo.sources.push(path);
  photo.sourceStamps[path] = stamp;
}

function sourceIndex(library: Library): Map<string, { name: string; stamp: string }> {
  const index = new Map<string, { name: string; stamp: string }>();
  for (const photo of Object.values(library.photos)) {
    for (const [path, stamp] of Object.entries(photo.sourceStamps)) index.set(path, { name: photo.name, stamp });
  }
  return index;
}

/**
 * Where an in-place photo's link will point: checked again now, because the
 * link outlives the import and a folder swapped since the walk could make it
 * lead outside the imported roots. A string is the reason to skip.
 */
async function inPlaceTarget(file: ScannedFile, realRoots: readonly Buffer[], outsideAllowed: boolean): Promise<Buffer | string> {
  const real = await realpath(file.openPath, { encoding: 'buffer' });
  if (!outsideAllowed && !isInside(real, realRoots)) return 'now leads outside the imported folders; skipped';
  const info = await stat(real);
  if (info.dev !== file.dev || info.ino !== file.ino) return 'changed after the folder was read; skipped (import again to pick up the new file)';
  return real;
}

/** Atomic like writeFileAtomic: a link under a temp name that the cleanup recognises, renamed into place. */
async function linkAtomic(target: Buffer, path: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = tempPathBeside(path);
  await symlink(target, temp);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/**
 * Whether the library's file for a name already holds that content: the
 * work of a killed import, adopted rather than written again. A copy is
 * hashed (this happens only after a crash, and a torn file must not be
 * adopted); a link is trusted as linkAtomic made it whole.
 */
async function holdsContent(stored: string, sha256: string, inPlace: boolean): Promise<boolean> {
  if (!(await isFile(stored))) return false;
  if (inPlace) return true;
  const existing = await readFile(stored).catch(() => null);
  return existing !== null && sha256Hex(existing) === sha256;
}

/**
 * The journaled photos that still have no record (a dead import's work not
 * met again, or a file of ours that failed after being written): removed
 * with their thumbnails. Only journaled names, never a sweep of the folder:
 * a library that reads wrong must not turn every photo into an orphan.
 */
async function removeUnrecorded(paths: HomePaths, journaled: readonly string[], library: Library): Promise<number> {
  let removed = 0;
  for (const name of journaled) {
    if (library.photos[name]) continue;
    const gone = await unlink(join(paths.photos, name)).then(() => true, () => false);
    await unlink(thumbnailPath(paths.thumbnails, name)).catch(() => {});
    if (gone) removed++;
  }
  return removed;
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
