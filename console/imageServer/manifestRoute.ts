import { open, type FileHandle } from 'node:fs/promises';
import type { HomePaths } from '../../common/homePaths.ts';
import { isManifestSha256 } from '../../common/protocol/codecs/imagesManifestCodec.ts';
import { ManifestStore } from '../manifests/manifestStore.ts';
import { sendFile, sendText } from './httpResponses.ts';
import type { CallerGuard, ImageRoute } from './imageServer.ts';

/**
 * `GET /manifests/<sha256>`: a photo list too large for etcd (docs/protocol.md,
 * Large albums), as the console stored it. The caller check of the images:
 * the token over plain HTTP; over HTTPS only the display whose
 * `images_manifest` names it. Content-addressed, so cached for good.
 */
export function manifestRoute(paths: HomePaths, guard: CallerGuard): ImageRoute {
  const store = new ManifestStore(paths.manifests);
  return async (req, res, url) => {
    const match = /^\/manifests\/([^/]*)$/.exec(url.pathname);
    if (!match) return false;
    const sha256 = match[1]!;
    if (!isManifestSha256(sha256)) {
      sendText(res, 404, 'no such manifest; manifests are at /manifests/<sha256 in lower-case hex>');
      return true;
    }
    const bearer = req.headers.authorization && /^Bearer (.+)$/i.exec(req.headers.authorization.trim());
    const refusal = await guard(req, sha256, bearer ? bearer[1]! : url.searchParams.get('token'));
    if (refusal) {
      sendText(res, refusal.status, refusal.message, refusal.headers);
      return true;
    }
    let file: FileHandle;
    try {
      file = await open(store.pathOf(sha256), 'r');
    } catch {
      sendText(res, 404, `unknown manifest ${sha256}`);
      return true;
    }
    await sendFile(req, res, file, { 'Content-Type': 'text/plain; charset=utf-8', ETag: `"${sha256}"`, 'Cache-Control': 'public, max-age=31536000, immutable' });
    return true;
  };
}
