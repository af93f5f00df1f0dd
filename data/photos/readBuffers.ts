import { open, type FileHandle } from 'node:fs/promises';

/**
 * Reusable read buffers, one per file in flight: reading each photo into a
 * fresh 5 MB Buffer costs a page fault per 4 KB page (as much system time
 * as the read itself); a buffer kept from the previous photo costs none.
 * Buffers above `keepBytes` are not kept, so a rare 300 MB panorama does not
 * stay in memory.
 */
export class ReadBuffers {
  private readonly free: Buffer[] = [];

  constructor(private readonly keepBytes = 64 * 1024 * 1024) {}

  /** A lease: `take(size)` gives a buffer of exactly `size` bytes (valid until `release`). */
  lease(): { take(size: number): Buffer; release(): void } {
    let held: Buffer | null = null;
    return {
      take: (size) => {
        if (held && held.length >= size) return held.subarray(0, size);
        if (held === null) {
          const index = this.free.findIndex((buffer) => buffer.length >= size);
          if (index >= 0) held = this.free.splice(index, 1)[0]!;
        }
        if (held === null || held.length < size) held = Buffer.allocUnsafe(size <= this.keepBytes ? Math.max(size, 8 * 1024 * 1024) : size);
        return held.subarray(0, size);
      },
      release: () => {
        if (held && held.length <= this.keepBytes) this.free.push(held);
        held = null;
      },
    };
  }
}

/** Reads into `content` from the start of the file until it is full or the file ends; returns the bytes read. */
export async function readInto(handle: FileHandle, content: Buffer): Promise<number> {
  let at = 0;
  while (at < content.length) {
    const { bytesRead } = await handle.read(content, at, content.length - at, at);
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return at;
}

/** A whole file read into a buffer from `take` (a lease's), not a fresh one: see ReadBuffers. */
export async function readWholeFile(path: string, take: (size: number) => Buffer): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const content = take((await handle.stat()).size);
    // A file cut short meanwhile (an original linked in place, rewritten) is read as far as it goes: its decode then says what is wrong.
    return content.subarray(0, await readInto(handle, content));
  } finally {
    await handle.close();
  }
}
