import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { createLogger } from '../../common/log.ts';
import { resolveRange } from './byteRange.ts';

// The responses every route of the image server sends: short texts, and files with ranges.
const log = createLogger('image-server');

/** Sends an open file, whole or the one range asked for, and closes it. */
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: FileHandle, headers: Record<string, string>): Promise<void> {
  let size: number;
  try {
    size = (await file.stat()).size;
  } catch (error) {
    await file.close();
    throw error;
  }
  const range = resolveRange(req.headers.range, size);
  if (range.kind === 'unsatisfiable') {
    await file.close();
    sendText(res, 416, `range not satisfiable; the image is ${size} bytes`, { 'Content-Range': `bytes */${size}` });
    return;
  }
  const [status, start, end] = range.kind === 'partial' ? [206, range.start, range.end] : [200, 0, size - 1];
  res.writeHead(status, {
    ...headers,
    'Accept-Ranges': 'bytes',
    'Content-Length': end - start + 1,
    ...(range.kind === 'partial' ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    await file.close();
    return;
  }
  // pipeline, not pipe: when the client goes away mid-download pipe leaves the source open, and its file descriptor waits for the GC.
  pipeline(file.createReadStream({ start, end, autoClose: true }), res, (error) => {
    if (error && error.code !== 'ERR_STREAM_PREMATURE_CLOSE') log.error('cannot stream image', { error: error.message });
  });
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(`${text}\n`);
}
