/**
 * The caption facts of photos (date taken, place), fetched from the image
 * server beside the image (`/captions/<name>`) and kept on disk, so a display
 * that is offline still captions the photos in its cache. Asked for only when
 * the display shows captions; a fetch that fails leaves the photo without a
 * caption this time, and it is asked again next time.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../common/atomicFile.ts';
import { createLogger } from '../common/log.ts';
import { decodeCaptionFacts, type CaptionFacts } from '../common/protocol/codecs/captionFactsCodec.ts';
import type { ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import type { Agent as HttpsAgent } from 'node:https';
import { openGet } from './httpGet.ts';

const log = createLogger('captions');

const FETCH_TIMEOUT_MS = 5_000;
// A caption's facts are a few dozen bytes; a bigger answer is not one.
const MAX_BODY_BYTES = 4096;
// Facts for photos no longer assigned are kept a while (lists come back), up to this many.
const MAX_KEPT = 5_000;
// A place can change (`photos locate --again`): facts older than this are asked for again, and kept if that fails.
const REFRESH_AFTER_MS = 24 * 3600_000;

interface Entry {
  facts: CaptionFacts;
  /** When the server said so, ms since the epoch. */
  at: number;
}

export class CaptionBook {
  private facts = new Map<string, Entry>();
  private loaded: Promise<void> | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly now: () => number = Date.now,
    /** An enrolled display's TLS identity (the image cache's own agent): captions are fetched as the images are. */
    private readonly httpsAgent: HttpsAgent | undefined = undefined,
  ) {}

  /** The facts of `name`: from the book while fresh, else from the server (and then kept); the book's when the server fails. */
  async get(name: string, server: ImageServerInfo | null): Promise<CaptionFacts | null> {
    await this.load();
    const known = this.facts.get(name);
    if (server === null || (known && this.now() - known.at < REFRESH_AFTER_MS)) return known?.facts ?? null;
    try {
      const facts = await fetchFacts(server, name, this.httpsAgent);
      // Unknown to the server (or a server without captions): nothing to keep.
      if (facts === null) return known?.facts ?? null;
      this.facts.delete(name);
      this.facts.set(name, { facts, at: this.now() });
      while (this.facts.size > MAX_KEPT) this.facts.delete(this.facts.keys().next().value!);
      this.save();
      return facts;
    } catch (error) {
      log.warn(`cannot fetch the caption of ${name}: ${(error as Error).message}`);
      return known?.facts ?? null;
    }
  }

  private load(): Promise<void> {
    this.loaded ??= readFile(this.path, 'utf8').then(
      (text) => {
        const stored = JSON.parse(text) as Record<string, { facts?: unknown; at?: unknown }>;
        for (const [name, entry] of Object.entries(stored)) {
          const decoded = decodeCaptionFacts(JSON.stringify(entry?.facts ?? null));
          if (decoded.ok && typeof entry.at === 'number') this.facts.set(name, { facts: decoded.value, at: entry.at });
        }
      },
      () => {},
    ).catch((error: Error) => log.warn(`ignoring unreadable ${this.path}: ${error.message}`));
    return this.loaded;
  }

  private save(): void {
    const snapshot = JSON.stringify(Object.fromEntries(this.facts));
    this.writing = this.writing.then(() => writeFileAtomic(this.path, snapshot)).catch((error: Error) => log.warn(`cannot keep captions in ${this.path}: ${error.message}`));
  }
}

async function fetchFacts(server: ImageServerInfo, name: string, httpsAgent: HttpsAgent | undefined): Promise<CaptionFacts | null> {
  // A display with a certificate talks HTTPS only; a plain server would get neither its identity nor its trust.
  if (httpsAgent && !server.url.startsWith('https://')) throw new Error(`${server.url} is not https://; an enrolled display fetches over HTTPS only`);
  const headers: Record<string, string> = { accept: 'application/json', ...(server.token ? { Authorization: `Bearer ${server.token}` } : {}) };
  const { response, abort } = await openGet(`${server.url}/captions/${encodeURIComponent(name)}`, headers, FETCH_TIMEOUT_MS, httpsAgent);
  if (response.statusCode === 404) {
    abort();
    return null;
  }
  if (response.statusCode !== 200) {
    abort();
    throw new Error(`the image server answered ${response.statusCode}`);
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) {
      abort();
      throw new Error(`an answer of more than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const decoded = decodeCaptionFacts(Buffer.concat(chunks).toString('utf8'));
  if (!decoded.ok) throw new Error(`malformed caption facts: ${decoded.error}`);
  return decoded.value;
}
