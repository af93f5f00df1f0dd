import { stat } from 'node:fs/promises';
import { encodeCaptionFacts, type CaptionFacts } from '../../common/protocol/codecs/captionFactsCodec.ts';
import type { HomePaths } from '../../common/homePaths.ts';
import { LibraryStore, photosFileOf } from '../../data/library/libraryStore.ts';
import type { PhotoRecord } from '../../data/library/librarySchema.ts';
import { PHOTO_NAME_PATTERN } from '../../data/photos/photoNaming.ts';
import { sendText } from './httpResponses.ts';
import type { CallerGuard, ImageRoute } from './imageServer.ts';

/** What a caption says about a library photo: only a camera's date (a file time is when it was copied), and its place. */
export function captionFactsOf(photo: PhotoRecord): CaptionFacts {
  return { taken: photo.takenAtSource === 'exif' ? photo.takenAt : null, place: photo.place ?? null };
}

/**
 * `GET /captions/<name>`: the caption facts of a photo as JSON, for viewers
 * showing captions (docs/protocol.md, Captions). The same caller check as
 * the images: the token over plain HTTP; over HTTPS the display's certificate,
 * and only for a photo in its list.
 * Not cached by clients: `photos locate` can change a place.
 */
export function captionRoute(paths: HomePaths, guard: CallerGuard): ImageRoute {
  const facts = new LibraryFacts(paths.store);
  return async (req, res, url) => {
    const match = /^\/captions\/([^/]+)$/.exec(url.pathname);
    if (!match) return false;
    let name: string;
    try {
      name = decodeURIComponent(match[1]!);
    } catch {
      sendText(res, 400, 'image name is not valid percent-encoding');
      return true;
    }
    // The same caller, the same photos: a display learns the caption of what it may show, nothing else.
    const bearer = req.headers.authorization && /^Bearer (.+)$/i.exec(req.headers.authorization.trim());
    const refusal = await guard(req, name, bearer ? bearer[1]! : url.searchParams.get('token'));
    if (refusal) {
      sendText(res, refusal.status, refusal.message, refusal.headers);
      return true;
    }
    const found = PHOTO_NAME_PATTERN.test(name) ? await facts.of(name) : null;
    if (found === null) {
      sendText(res, 404, `unknown image ${name}`);
      return true;
    }
    const body = encodeCaptionFacts(found);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

/** The library's caption facts, read again only when its files changed (a library of 100,000 photos is tens of MB). */
class LibraryFacts {
  private stamp = '';
  private facts = new Map<string, CaptionFacts>();
  private reading: Promise<void> | null = null;

  constructor(private readonly storePath: string) {}

  async of(name: string): Promise<CaptionFacts | null> {
    await this.refresh();
    return this.facts.get(name) ?? null;
  }

  private async refresh(): Promise<void> {
    const stamp = (await Promise.all([this.storePath, photosFileOf(this.storePath)].map((path) => stat(path).then((s) => `${s.mtimeMs}:${s.size}`, () => '-')))).join('|');
    if (stamp === this.stamp) return;
    this.reading ??= (async () => {
      const library = await new LibraryStore(this.storePath).read();
      this.facts = new Map(Object.values(library.photos).map((photo) => [photo.name, captionFactsOf(photo)]));
      this.stamp = stamp;
    })().finally(() => (this.reading = null));
    await this.reading;
  }
}
