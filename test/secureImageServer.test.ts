import { Agent, request as httpsRequest } from 'node:https';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { freePort } from '../common/net/freePort.ts';
import { decodeImageServer, type ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { IMAGE_SERVER_KEY, revokedKey } from '../common/protocol/systemKeys.ts';
import { loadTlsMaterial, type TlsMaterial } from '../common/tls/tlsMaterial.ts';
import { pkiPaths } from '../console/pki/pkiPaths.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { putImages } from '../console/displays/displayWrites.ts';
import { ManifestStore } from '../console/manifests/manifestStore.ts';
import { decodeImagesManifest } from '../common/protocol/codecs/imagesManifestCodec.ts';
import { ManifestCache } from '../viewer/manifestCache.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { ImageCache } from '../viewer/imageCache.ts';
import { RejectedImage } from '../viewer/imageDownload.ts';
import { photoLikeJpeg, tempDir } from './helpers/fixtures.ts';
import { startCli, type LongRunning } from './helpers/runCli.ts';
import { startSecureEtcd, strangerDisplayCertificate, type DisplayIdentity, type SecureEtcd } from './helpers/secureEtcd.ts';

interface Context {
  etcd: SecureEtcd;
  server: LongRunning;
  info: ImageServerInfo;
  legacyPort: number;
  photos: [string, string, string];
  kitchen: DisplayIdentity;
}

const secure = suite<Context>('image server over HTTPS');

secure.before(async (context) => {
  context.etcd = await startSecureEtcd();
  const { home } = context.etcd;
  const paths = homePaths(home);
  const source = await tempDir();
  for (let i = 0; i < 3; i++) await photoLikeJpeg(join(source, `photo-${i}.jpg`), 640, 480, i + 1);
  const report = await importPhotos(new LibraryStore(paths.store), paths, { sources: [source] });
  context.photos = [0, 1, 2].map((i) => report.imported.find((p) => p.sources[0]!.endsWith(`photo-${i}.jpg`))!.name) as [string, string, string];

  context.kitchen = await context.etcd.enrollDisplay('kitchen');
  await context.etcd.admin.put(displayKey('kitchen', 'images')).value(JSON.stringify([context.photos[0]]));

  const port = await freePort();
  context.legacyPort = await freePort();
  context.server = startCli(
    ['serve', '--etcd', context.etcd.endpoint, '--home', home, '--host', '127.0.0.1', '--http-port', String(port), '--legacy-viewers', '--legacy-http-port', String(context.legacyPort)],
    // Info level: the revocation test waits for the server to say it has seen the revocation.
    { PHOTOFRAME_LOG: 'info' },
  );
  await context.server.waitFor(/image server listening/);
  const published = decodeImageServer((await context.etcd.admin.get(IMAGE_SERVER_KEY).string()) ?? '');
  assert.ok(published.ok, 'the server published itself in etcd');
  if (published.ok) context.info = published.value;
});

secure.after(async (context) => {
  await context.server?.stop();
  await context.etcd?.stop();
});

interface Answer {
  status: number;
  body: Buffer;
}

/** One GET over HTTPS through `agent` (which holds the client's identity, or none), as the viewer makes it. */
function httpsGet(url: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    httpsRequest(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

const agentOf = (material: TlsMaterial | null, ca: Buffer) =>
  new Agent({ keepAlive: true, ca, ...(material ? { cert: material.cert, key: material.key } : {}) });

const imageUrl = (info: ImageServerInfo, name: string) => `${info.url}/images/${name}?w=320&h=240`;

secure('publishes an https:// URL and the CA fingerprint, and nothing secret', async ({ etcd, info }) => {
  assert.match(info.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.is(info.token, undefined);
  const ca = loadTlsMaterial({ ca: etcd.pki.caCert, cert: etcd.pki.consoleCert, key: etcd.pki.consoleKey });
  const { X509Certificate } = await import('node:crypto');
  assert.is(info.ca_sha256, new X509Certificate(ca.ca).fingerprint256);
  const everything = await etcd.admin.getAll().prefix('/').strings();
  for (const [key, value] of Object.entries(everything)) assert.not.match(value, /PRIVATE KEY/, `no private key in ${key}`);
});

secure('serves an enrolled display a photo in its list over HTTPS, through the viewer\'s own cache', async ({ info, photos, kitchen }) => {
  const cache = new ImageCache(await tempDir('photoframe-viewer-cache-'), { tls: kitchen.material });
  try {
    const file = await cache.get(photos[0], { width: 320, height: 240 }, { kind: 'server', server: info });
    const meta = await sharp(file).metadata();
    assert.is(meta.format, 'jpeg');
    assert.ok(meta.width! > 0 && meta.width! <= 640, `a rendition of the 640-wide photo: ${meta.width}`);
  } finally {
    cache.close();
  }
});

secure('refuses a plain-HTTP request on its port with one line saying so, serving nothing', async ({ info, photos }) => {
  const answer = await fetch(imageUrl(info, photos[0]).replace('https://', 'http://'));
  assert.is(answer.status, 400);
  assert.match(await answer.text(), /speaks HTTPS only/);
  assert.not.ok(answer.headers.get('content-type')?.startsWith('image/'));
});

secure('refuses a client without a certificate, and one from another CA, with the reason', async ({ info, photos, kitchen }) => {
  const anonymous = await httpsGet(imageUrl(info, photos[0]), agentOf(null, kitchen.material.ca));
  assert.is(anonymous.status, 401);
  assert.match(anonymous.body.toString(), /no client certificate/);
  const stranger = await strangerDisplayCertificate('kitchen');
  try {
    const answer = await httpsGet(imageUrl(info, photos[0]), agentOf(stranger.material, kitchen.material.ca));
    assert.is(answer.status, 401);
    assert.match(answer.body.toString(), /not from this installation's CA/);
  } finally {
    await stranger.dispose();
  }
});

secure('refuses a display that is not enrolled, though its certificate is from our CA', async ({ etcd, info, photos, kitchen }) => {
  const ghost = await etcd.certificateWithoutEnrollment('ghost');
  // Even with a list written for it: without its etcd user it is no display of this installation.
  await etcd.admin.put(displayKey('ghost', 'images')).value(JSON.stringify([photos[0]]));
  const answer = await httpsGet(imageUrl(info, photos[0]), agentOf(ghost.material, kitchen.material.ca));
  assert.is(answer.status, 403);
  assert.match(answer.body.toString(), /display ghost is not enrolled/);
});

secure('refuses an enrolled display a photo not in its list; the console may fetch anything', async ({ etcd, info, photos, kitchen }) => {
  const answer = await httpsGet(imageUrl(info, photos[2]), agentOf(kitchen.material, kitchen.material.ca));
  assert.is(answer.status, 403);
  assert.match(answer.body.toString(), new RegExp(`photo ${photos[2]} is not in display kitchen's list`));
  const consoleIdentity = loadTlsMaterial({ ca: etcd.pki.caCert, cert: etcd.pki.consoleCert, key: etcd.pki.consoleKey });
  assert.is((await httpsGet(imageUrl(info, photos[2]), agentOf(consoleIdentity, consoleIdentity.ca))).status, 200);
});

secure("a photo's caption facts follow the same rule as the photo: its display's list, its certificate", async ({ info, photos, kitchen }) => {
  const captionUrl = (name: string) => `${info.url}/captions/${name}`;
  const asKitchen = agentOf(kitchen.material, kitchen.material.ca);
  const own = await httpsGet(captionUrl(photos[0]), asKitchen);
  assert.is(own.status, 200, own.body.toString());
  assert.ok('place' in (JSON.parse(own.body.toString()) as object));
  assert.is((await httpsGet(captionUrl(photos[2]), asKitchen)).status, 403);
  assert.is((await httpsGet(captionUrl(photos[0]), agentOf(null, kitchen.material.ca))).status, 401);
});

secure('after a list change, serves the new list and still the previous one within the grace period', async ({ etcd, info, photos }) => {
  const porch = await etcd.enrollDisplay('porch');
  const agent = agentOf(porch.material, porch.material.ca);
  await etcd.admin.put(displayKey('porch', 'images')).value(JSON.stringify([photos[0]]));
  assert.is((await httpsGet(imageUrl(info, photos[0]), agent)).status, 200);
  await etcd.admin.put(displayKey('porch', 'images')).value(JSON.stringify([photos[1]]));
  // The change reaches the server by its watch: wait for it to be applied, then ask for the old list's photo.
  for (let attempt = 0; (await httpsGet(imageUrl(info, photos[1]), agent)).status !== 200; attempt++) {
    assert.ok(attempt < 200, 'the new list was applied');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.is((await httpsGet(imageUrl(info, photos[0]), agent)).status, 200, 'the previous list is still served in its grace period');
  assert.is((await httpsGet(imageUrl(info, photos[2]), agent)).status, 403, 'a photo of neither list is not');
  agent.destroy();
});

secure("a display may fetch its own manifest and every photo in it, not another display's", async ({ etcd, info, photos }) => {
  const writing = { store: new ManifestStore(homePaths(etcd.home).manifests), limits: { maxInlineBytes: 1024 } };
  const fillers = (from: number) => Array.from({ length: 50 }, (_, i) => `${(from + i).toString(16).padStart(24, '0')}.jpg`);
  // Last in its list, so not in the sample `images` gets: only the manifest lets the attic have it.
  const atticList = [...fillers(0), photos[1]];
  await putImages(etcd.admin, 'attic', atticList, writing);
  await putImages(etcd.admin, 'cellar', [...fillers(100), photos[2]], writing);
  const ref = (id: string) => etcd.admin.get(displayKey(id, 'images_manifest')).string().then((raw) => JSON.parse(raw!) as { sha256: string });
  const [attic, cellar] = [await ref('attic'), await ref('cellar')];
  assert.not.ok((JSON.parse((await etcd.admin.get(displayKey('attic', 'images')).string())!) as string[]).includes(photos[1]));
  const atticIdentity = await etcd.enrollDisplay('attic');
  const atticAgent = agentOf(atticIdentity.material, atticIdentity.material.ca);
  const own = await httpsGet(`${info.url}/manifests/${attic.sha256}`, atticAgent);
  assert.is(own.status, 200, own.body.toString());
  assert.is(own.body.toString(), atticList.map((name) => `${name}\n`).join(''));
  const other = await httpsGet(`${info.url}/manifests/${cellar.sha256}`, atticAgent);
  assert.is(other.status, 403);
  assert.match(other.body.toString(), /is not display attic's/);
  assert.is((await httpsGet(imageUrl(info, photos[1]), atticAgent)).status, 200, 'a photo only in its manifest');
  assert.is((await httpsGet(imageUrl(info, photos[2]), atticAgent)).status, 403, "a photo in another display's manifest");
  assert.is((await httpsGet(`${info.url}/manifests/${attic.sha256}`, agentOf(null, atticIdentity.material.ca))).status, 401, 'no certificate, no manifest');
  atticAgent.destroy();
  // The viewer's own path: its manifest cache fetching through its image cache's TLS identity, then keeping it.
  const imageCache = new ImageCache(await tempDir('photoframe-viewer-cache-'), { tls: atticIdentity.material });
  try {
    const manifests = new ManifestCache(join(await tempDir(), 'viewer-manifests'));
    const atticRef = decodeImagesManifest((await etcd.admin.get(displayKey('attic', 'images_manifest')).string())!);
    assert.ok(atticRef.ok);
    if (!atticRef.ok) return;
    const source = { server: info, request: imageCache.requestTo.bind(imageCache) };
    const list = await manifests.load(atticRef.value, source);
    assert.is(list.nameAt(50), photos[1]);
    assert.is((await manifests.load(atticRef.value, null)).length, 51, 'from its disk, with no server');
    const cellarRef = decodeImagesManifest((await etcd.admin.get(displayKey('cellar', 'images_manifest')).string())!);
    if (cellarRef.ok) await manifests.load(cellarRef.value, source).then(() => assert.unreachable("another display's manifest"), (error: Error) => assert.match(error.message, /answered 403/));
  } finally {
    imageCache.close();
  }
});

secure('refuses a revoked display as soon as the revocation is seen, on a connection already open', async ({ etcd, info, photos, server }) => {
  const hall = await etcd.enrollDisplay('hall');
  const agent = agentOf(hall.material, hall.material.ca);
  await etcd.admin.put(displayKey('hall', 'images')).value(JSON.stringify([photos[0]]));
  assert.is((await httpsGet(imageUrl(info, photos[0]), agent)).status, 200);
  const from = server.lines.length;
  await etcd.admin.put(revokedKey('hall')).value(JSON.stringify({ revoked_at: new Date().toISOString() }));
  await server.waitFor(/display hall revoked/, 10_000, from);
  const answer = await httpsGet(imageUrl(info, photos[0]), agent);
  assert.is(answer.status, 403);
  assert.match(answer.body.toString(), /display hall has been revoked/);
  agent.destroy();
});

secure('original viewers get their own plain-HTTP port; the HTTPS port has none of their routes', async ({ info, photos, legacyPort, server }) => {
  assert.ok(server.lines.some((line) => line.includes(`plain-HTTP port ${legacyPort}`)), 'the warning names the plain port');
  const plain = await fetch(`http://127.0.0.1:${legacyPort}/download/${photos[1]}`);
  assert.is(plain.status, 200);
  assert.is(plain.headers.get('content-type'), 'image/jpeg');
  await plain.arrayBuffer();
  assert.is((await fetch(`http://127.0.0.1:${legacyPort}/images/${photos[1]}`)).status, 404, 'no display route on the plain port');
});

secure('a viewer with an enrollment refuses an http:// image server and another installation\'s', async ({ info, photos, kitchen }) => {
  const cache = new ImageCache(await tempDir('photoframe-viewer-cache-'), { tls: kitchen.material });
  const size = { width: 320, height: 240 };
  try {
    for (const server of [
      { url: 'http://127.0.0.1:1', token: '0123456789abcdef0123' },
      { url: info.url, ca_sha256: 'AB:'.repeat(31) + 'AB' },
    ]) {
      try {
        await cache.get(photos[0], size, { kind: 'server', server });
        assert.unreachable('fetched from an untrusted server');
      } catch (error) {
        assert.instance(error, RejectedImage);
        assert.is((error as RejectedImage).problem, 'untrusted-server');
      }
    }
  } finally {
    cache.close();
  }
});

secure('key files are 0600 and no private key reaches the log', async ({ etcd, kitchen, server }) => {
  for (const path of [pkiPaths(etcd.home).imageServerKey, pkiPaths(etcd.home).caKey, kitchen.bundle.key]) {
    assert.is((await stat(path)).mode & 0o777, 0o600, path);
  }
  assert.not.ok(server.lines.some((line) => /PRIVATE KEY/.test(line)));
});

secure.run();
