import { createRequire } from 'node:module';

/** data/photos/native/file_copy.c: `copyRange` copies from offset 0 of one file to offset 0 of another, inside the kernel. */
export interface KernelCopy {
  /** Copies at most `limit` bytes; resolves to how many were copied (fewer when the source ended first). */
  copyRange(inFd: number, outFd: number, limit: number): Promise<number>;
}

let loaded: KernelCopy | null | undefined;

/**
 * The in-kernel copy, or null where its addon is not built (scripts/build-file-copy.sh;
 * the bundled CLI does not carry it) or PHOTOFRAME_IMPORT_COPY=memory asks
 * for the copy through memory: the import then writes each copy from the
 * bytes it read, the same result at more CPU.
 */
export function kernelCopy(): KernelCopy | null {
  if (process.env.PHOTOFRAME_IMPORT_COPY === 'memory') return null;
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('./native/build/Release/file_copy.node') as KernelCopy;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
