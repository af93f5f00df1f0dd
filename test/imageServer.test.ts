import { request } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { freePort } from '../common/net/freePort.ts';
import { decodeImageServer, type ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { colourNear, solidJpeg, tempDir, twoColourImage, type Rgb } from './helpers/fixtures.ts';
import { startCli, type LongRunning } from './helpers/runCli.ts';
import { startTestEtcd, type TestEtcd } from './helpers/testEtcd.ts';

interface Context {
  etcd: TestEtcd;
  server: LongRunning;
  info: ImageServerInfo;
  names: { landscape: string; sideways: string; png: string };
}

const imageServer = suite<Context>('image server');

imageServer.before(async (context) => {
  context.etcd = await startTestEtcd();
  const home = await tempDir('photoframe-home-');
  const paths = homePaths(home);
  const source = await tempDir();
  await solidJpeg(join(source, 'landscape.jpg'), 800, 600, [200, 30, 30]);
  await (await twoColourImage(600, 400, [255, 0, 0], [0, 0, 255])).withMetadata({ orientation: 6 }).jpeg().toFile(join(source, 'sideways.jpg'));
  await (await twoColourImage(300, 300, [0, 255, 0], [255, 255, 0])).png().toFile(join(source, 'graphic.png'));
  const report = await importPhotos(new LibraryStore(paths.store), paths, { sources: [source] });
  const bySource = (file: string) => report.imported.find((p) => p.sources[0]!.endsWith(file))!.name;
  context.names = { landscape: bySource('landscape.jpg'), sideways: bySource('sideways.jpg'), png: bySource('graphic.png') };

  const port = await freePort();
  context.server = startCli(['serve', '--etcd', context.etcd.endpoint, '--home', home, '--host', '127.0.0.1', '--http-port', String(port)]);
  await context.server.waitFor(/image server listening/);
  const published = decodeImageServer((await context.etcd.client.get(IMAGE_SERVER_KEY).string()) ?? '');
  assert.ok(published.ok, 'the server published itself in etcd');
  if (published.ok) context.info = published.value;
  assert.is(context.info.url, `http://127.0.0.1:${port}`);
});

imageServer.after(async (context) => {
  await context.server?.stop();
  await context.etcd?.stop();
});

const authorised = (info: ImageServerInfo) => ({ headers: { Authorization: `Bearer ${info.token}` } });

imageServer('serves a photo resized for the display, with type, ETag and immutable caching', async ({ info, names }) => {
  const response = await fetch(`${info.url}/images/${names.landscape}?w=200&h=200`, authorised(info));
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'image/jpeg');
  assert.is(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const etag = response.headers.get('etag');
  assert.ok(etag && etag.includes(names.landscape), `ETag names the image: ${etag}`);
  const body = Buffer.from(await response.arrayBuffer());
  const meta = await sharp(body).metadata();
  // 200×200 snaps up to the 640×360 rung: the photo as large as fits in it.
  assert.is(meta.width, 480);
  assert.is(meta.height, 360);
  const revalidated = await fetch(`${info.url}/images/${names.landscape}?w=200&h=200`, {
    headers: { ...authorised(info).headers, 'If-None-Match': etag! },
  });
  assert.is(revalidated.status, 304);
});

imageServer('turns an EXIF-rotated photo upright before sizing it', async ({ info, names }) => {
  const response = await fetch(`${info.url}/images/${names.sideways}?w=300&h=300`, authorised(info));
  assert.is(response.status, 200);
  const { data, info: raw } = await sharp(Buffer.from(await response.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
  assert.is(raw.width, 240);
  assert.is(raw.height, 360);
  const at = (x: number, y: number): Rgb => {
    const i = (y * raw.width + x) * raw.channels;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
  // Orientation 6 turns the picture a quarter clockwise: the left (red) half ends on top.
  assert.ok(colourNear(at(100, 20), [255, 0, 0]), `top is red: ${at(100, 20)}`);
  assert.ok(colourNear(at(100, 280), [0, 0, 255]), `bottom is blue: ${at(100, 280)}`);
});

imageServer('serves the original with its own content type when no size is asked', async ({ info, names }) => {
  const response = await fetch(`${info.url}/images/${names.png}`, authorised(info));
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'image/png');
  assert.is((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width, 300);
  const head = await fetch(`${info.url}/images/${names.png}`, { ...authorised(info), method: 'HEAD' });
  assert.is(head.status, 200);
  assert.ok(Number(head.headers.get('content-length')) > 0);
});

imageServer('unknown names are 404', async ({ info }) => {
  const response = await fetch(`${info.url}/images/000000000000000000000000.jpg`, authorised(info));
  assert.is(response.status, 404);
  assert.match(await response.text(), /unknown image/);
});

imageServer('refuses requests without a valid token', async ({ info, names }) => {
  assert.is((await fetch(`${info.url}/images/${names.landscape}`)).status, 401);
  const wrong = await fetch(`${info.url}/images/${names.landscape}`, { headers: { Authorization: 'Bearer not-the-token-at-all' } });
  assert.is(wrong.status, 401);
  assert.is((await fetch(`${info.url}/images/${names.landscape}?token=${info.token}`)).status, 200);
});

imageServer('refuses paths outside its store', async ({ info }) => {
  // Raw requests: fetch would normalise the dots away before they reach the server.
  const rawGet = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(info.url);
      request({ host: url.hostname, port: url.port, path, headers: authorised(info).headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
  for (const path of ['/images/../library.json', '/images/..%2Flibrary.json', '/images/%2e%2e%2fimage-server.token', '/library.json', '/images/']) {
    assert.is(await rawGet(path), 404, path);
  }
});

imageServer('rejects malformed sizes and methods with a reason', async ({ info, names }) => {
  for (const query of ['w=0&h=10', 'w=10', 'w=abc&h=10', 'w=99999&h=10']) {
    const response = await fetch(`${info.url}/images/${names.landscape}?${query}`, authorised(info));
    assert.is(response.status, 400, query);
    assert.match(await response.text(), /w and h must both be whole numbers/);
  }
  assert.is((await fetch(`${info.url}/images/${names.landscape}`, { ...authorised(info), method: 'POST' })).status, 405);
});

imageServer.run();
