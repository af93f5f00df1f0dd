import { execFileSync } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { createDeflate } from 'node:zlib';

/** A FIFO, as `mkfifo` makes it: opening it for reading would block forever. */
export function makeFifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

/** A sparse file of `bytes` that starts with `header`: huge on paper, nothing on disk. */
export async function sparseFile(path: string | Buffer, bytes: number, header: Uint8Array = new Uint8Array()): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.write(header, 0, header.length, 0);
    await handle.truncate(bytes);
  } finally {
    await handle.close();
  }
}

/** Bytes this process has read through read(2) so far (Linux). */
export async function bytesReadByThisProcess(): Promise<number> {
  const io = await readFile('/proc/self/io', 'utf8');
  return Number(/^rchar:\s*(\d+)/m.exec(io)![1]);
}

/**
 * A valid greyscale PNG of `side`² black pixels: a few hundred KB that
 * decodes to side² bytes, the decompression bomb of the issue.
 */
export async function bombPng(side: number): Promise<Buffer> {
  const row = Buffer.alloc(side + 1); // filter byte 0, then black pixels
  // Streamed row by row: the test itself never holds the side² bytes.
  const deflate = createDeflate({ level: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (part: Buffer) => compressed.push(part));
  const ended = new Promise((resolve) => deflate.on('end', resolve));
  for (let y = 0; y < side; y++) if (!deflate.write(row)) await new Promise((resolve) => deflate.once('drain', resolve));
  deflate.end();
  await ended;
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.concat(compressed)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
