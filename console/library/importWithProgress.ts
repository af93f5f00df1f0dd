import type { HomePaths } from '../../common/homePaths.ts';
import type { LibraryStore } from '../../data/library/libraryStore.ts';
import { importPhotos, type ImportReport } from '../../data/photos/importPhotos.ts';
import { scanForFiles } from '../../data/photos/photoScan.ts';

export interface ImportProgress {
  done: number;
  total: number;
  elapsedMs: number;
}

/**
 * An import in steps, so a person sees it move: the files are found first,
 * then imported a batch at a time (each batch one library write), with
 * progress after each. The batches merge into one report.
 */
export async function importWithProgress(
  store: LibraryStore,
  paths: HomePaths,
  request: { sources: readonly string[]; album?: string },
  onProgress: (progress: ImportProgress) => void,
  now: () => number = Date.now,
): Promise<ImportReport> {
  const started = now();
  const { files, problems } = await scanForFiles(request.sources);
  const batch = Math.max(4, Math.ceil(files.length / 40));
  const report: ImportReport = { imported: [], duplicates: [], skipped: problems.map((p) => ({ ...p })), album: null };
  onProgress({ done: 0, total: files.length, elapsedMs: now() - started });
  for (let at = 0; at < files.length || (at === 0 && request.album !== undefined && files.length === 0); at += batch) {
    const part = await importPhotos(store, paths, { sources: files.slice(at, at + batch), album: request.album });
    report.imported.push(...part.imported);
    report.duplicates.push(...part.duplicates);
    report.skipped.push(...part.skipped);
    if (part.album) report.album = { name: part.album.name, added: (report.album?.added ?? 0) + part.album.added };
    onProgress({ done: Math.min(files.length, at + batch), total: files.length, elapsedMs: now() - started });
    if (files.length === 0) break;
  }
  return report;
}

function clock(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** `[#######-------] 12/40  30%  ETA 0:42`: the rate so far extended over what is left. */
export function progressBar(progress: ImportProgress, width = 24): string {
  const { done, total, elapsedMs } = progress;
  const fraction = total === 0 ? 1 : done / total;
  const filled = Math.round(fraction * width);
  const eta = done === 0 ? '--:--' : clock((elapsedMs / done) * (total - done));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${String(Math.round(fraction * 100)).padStart(3)}%  ETA ${eta}`;
}
