import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { mkdir, open, readdir, stat, statfs, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { photoName, sha256Hex } from '../data/photos/photoNaming.ts';
import { ImageCache, UnusableCachedImage } from '../viewer/imageCache.ts';
import { DEFAULT_DOWNLOAD_LIMITS, downloadImageInto, RejectedImage } from '../viewer/imageDownload.ts';
import { tempDir } from './helpers/fixtures.ts';

const SIZE = { width: 320, height: 240 };

/** An original server's download folder serving the given files by name, as image/jpeg unless `contentType` says otherwise (null: no type). */
async function downloadFolder(files: Record<string, Buffer>, contentType: string | null = 'image/jpeg'): Promise<{ baseUrl: string; requests(): number; close(): void }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const body = files[decodeURIComponent((req.url ?? '').slice(1).split('?')[0]!)];
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, contentType === null ? {} : { 'content-type': contentType }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests, close: () => server.close() };
}

const grainyJpeg = (seed: number) =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 100 + seed, sigma: 30 } } }).jpeg().toBuffer();

test('a whole file whose content does not hash to its name is refused and not cached; the right one is kept', async () => {
  const right = await grainyJpeg(1);
  const other = await grainyJpeg(2);
  const name = photoName(sha256Hex(right), 'jpeg');
  const impostorName = photoName(sha256Hex(right).replace(/^./, (c) => (c === '0' ? '1' : '0')), 'jpeg');
  const folder = await downloadFolder({ [name]: right, [impostorName]: other });
  const dir = await tempDir();
  const cache = new ImageCache(dir);
  const source = { kind: 'download' as const, baseUrl: folder.baseUrl };
  try {
    const error = await cache.get(impostorName, SIZE, source).then(() => null, (e: unknown) => e);
    assert.instance(error, RejectedImage);
    assert.is((error as RejectedImage).problem, 'hash-mismatch');
    assert.equal(await readdir(`${dir}/original`), [], 'neither the file nor its temp file is left');
    assert.is(await cache.get(name, SIZE, source), `${dir}/original/${name}`);
  } finally {
    folder.close();
  }
});

test('the cache stays within its size budget, dropping least recently used photos but keeping the current list', async () => {
  const photos = await Promise.all([1, 2, 3, 4, 5].map(grainyJpeg));
  const files = Object.fromEntries(photos.map((photo) => [photoName(sha256Hex(photo), 'jpeg'), photo]));
  const names = Object.keys(files);
  const folder = await downloadFolder(files);
  const dir = await tempDir();
  // Room for about three of these photos.
  const budget = { maxBytes: Math.max(...photos.map((p) => p.length)) * 3, minFreeBytes: 0 };
  const cache = new ImageCache(dir, { budget });
  const source = { kind: 'download' as const, baseUrl: folder.baseUrl };
  try {
    cache.setCurrentList(new Set([names[0]!]));
    for (const name of names) await cache.get(name, SIZE, source);
    const kept = await readdir(`${dir}/original`);
    assert.ok(kept.length <= 3, `kept ${kept.length}`);
    assert.ok(kept.includes(names[0]!), 'the current photo, although least recently used, is kept');
    assert.ok(kept.includes(names[4]!), 'the photo just fetched is kept');
    assert.not.ok(kept.includes(names[1]!), 'the least recently used other photo is gone');
  } finally {
    folder.close();
  }
});

test('a cached photo that cannot be prepared is dropped and downloaded again on the next attempt', async () => {
  const photo = await grainyJpeg(3);
  const name = photoName(sha256Hex(photo), 'jpeg');
  const folder = await downloadFolder({ [name]: photo });
  const cache = new ImageCache(await tempDir());
  const source = { kind: 'download' as const, baseUrl: folder.baseUrl };
  try {
    const path = await cache.get(name, SIZE, source);
    const error = await cache.discardUnusable(path, new Error('VipsJpeg: premature end of JPEG image'));
    assert.instance(error, UnusableCachedImage);
    assert.is(await stat(path).then(() => true, () => false), false, 'the entry is gone');
    assert.is(folder.requests(), 1);
    assert.is(await cache.get(name, SIZE, source), path);
    assert.is(folder.requests(), 2, 'downloaded again');
  } finally {
    folder.close();
  }
});

test('a disk below its free-space minimum never costs the photo being returned or the current list', async () => {
  const photos = await Promise.all([6, 7].map(grainyJpeg));
  const files = Object.fromEntries(photos.map((photo) => [photoName(sha256Hex(photo), 'jpeg'), photo]));
  const [a, b] = Object.keys(files) as [string, string];
  const folder = await downloadFolder(files);
  const dir = await tempDir();
  const disk = await statfs(dir);
  // Something else on the card used the space: no amount of evicting photos would meet this minimum.
  const budget = { maxBytes: 1024 ** 3, minFreeBytes: disk.bavail * disk.bsize + 1024 ** 3 };
  const cache = new ImageCache(dir, { budget });
  const source = { kind: 'download' as const, baseUrl: folder.baseUrl };
  try {
    cache.setCurrentList(new Set([a, b]));
    await cache.get(b, SIZE, source);
    const path = await cache.get(a, SIZE, source);
    assert.ok(await stat(path).then(() => true, () => false), 'the path returned exists');
    assert.equal((await readdir(`${dir}/original`)).sort(), [a, b].sort(), 'the current list is kept');
  } finally {
    folder.close();
  }
});

test('temp files of killed downloads are removed and live ones count in the budget', async () => {
  const photos = await Promise.all([8, 9, 10].map(grainyJpeg));
  const files = Object.fromEntries(photos.map((photo) => [photoName(sha256Hex(photo), 'jpeg'), photo]));
  const [older, middle, newer] = Object.keys(files) as [string, string, string];
  const folder = await downloadFolder(files);
  const dir = await tempDir();
  await mkdir(`${dir}/original`);
  const deadPid = spawnSync('true').pid;
  const MiB = 1024 * 1024;
  // Sparse: their size is what the budget sees, without filling the test machine's disk.
  const sparse = async (name: string, bytes: number) => {
    await writeFile(`${dir}/original/${name}`, '');
    await truncate(`${dir}/original/${name}`, bytes);
  };
  for (let i = 0; i < 5; i++) await sparse(`.killed-${i}.jpg.${deadPid}.abcd${i}.tmp`, 60 * MiB);
  const live = `.downloading.jpg.${process.pid}.beef.tmp`;
  await sparse(live, 100 * MiB - 1024);
  const cache = new ImageCache(dir, { budget: { maxBytes: 100 * MiB, minFreeBytes: 0 } });
  const source = { kind: 'download' as const, baseUrl: folder.baseUrl };
  try {
    // The last two handed out are being decoded, so it takes a third for the oldest to be free to go.
    for (const name of [older, middle, newer]) await cache.get(name, SIZE, source);
    const left = await readdir(`${dir}/original`);
    assert.not.ok(left.some((name) => name.includes(`.${deadPid}.`)), 'orphaned temp files are gone');
    assert.ok(left.includes(live), 'a download still under way is left alone');
    assert.not.ok(left.includes(older), 'the live temp file counts, so the older photo made room');
    assert.ok(left.includes(newer));
  } finally {
    folder.close();
  }
});

test('a download folder may serve photos as application/octet-stream or untyped; the decode and hash decide', async () => {
  for (const contentType of ['application/octet-stream', null]) {
    const photo = await grainyJpeg(11);
    const name = photoName(sha256Hex(photo), 'jpeg');
    const folder = await downloadFolder({ [name]: photo, [name.replace(/^./, (c) => (c === '0' ? '1' : '0'))]: photo }, contentType);
    const dir = await tempDir();
    const cache = new ImageCache(dir);
    const source = { kind: 'download' as const, baseUrl: folder.baseUrl };
    try {
      assert.is(await cache.get(name, SIZE, source), `${dir}/original/${name}`, `served as ${contentType}`);
      const impostor = await cache.get(name.replace(/^./, (c) => (c === '0' ? '1' : '0')), SIZE, source).then(() => null, (e: unknown) => e);
      assert.is((impostor as RejectedImage).problem, 'hash-mismatch', 'the hash still decides');
    } finally {
      folder.close();
    }
  }
});

test('our image server must still say image/*', async () => {
  const photo = await grainyJpeg(12);
  const folder = await downloadFolder({ 'images/lobby.jpg': photo }, 'application/octet-stream');
  const cache = new ImageCache(await tempDir());
  const source = { kind: 'server' as const, server: { url: folder.baseUrl, token: 't' } };
  try {
    const error = await cache.get('lobby.jpg', SIZE, source).then(() => null, (e: unknown) => e);
    assert.is((error as RejectedImage).problem, 'not-an-image');
  } finally {
    folder.close();
  }
});

test('a refused file is not downloaded again on every retry, until the source is announced again', async () => {
  const name = 'not-a-photo.jpg';
  const folder = await downloadFolder({ [name]: Buffer.from('<html>log in</html>') }, null);
  const cache = new ImageCache(await tempDir());
  const source = { kind: 'download' as const, baseUrl: folder.baseUrl };
  try {
    for (let retry = 0; retry < 3; retry++) {
      const error = await cache.get(name, SIZE, source).then(() => null, (e: unknown) => e);
      assert.is((error as RejectedImage).problem, 'undecodable');
    }
    assert.is(folder.requests(), 1, 'one download for three attempts');
    cache.forgetRefusals();
    await cache.get(name, SIZE, source).catch(() => {});
    assert.is(folder.requests(), 2);
  } finally {
    folder.close();
  }
});

test('a full disk is its own problem, not the server being unreachable', async () => {
  const photo = await grainyJpeg(13);
  const folder = await downloadFolder({ 'lobby.jpg': photo });
  // /dev/full answers every write with ENOSPC, as a full card does.
  const handle = await open('/dev/full', 'w');
  try {
    const request = { url: `${folder.baseUrl}/lobby.jpg`, origin: folder.baseUrl, headers: {}, name: 'lobby.jpg', expectedHashPrefix: null, acceptUntyped: false };
    const error = await downloadImageInto(request, handle, '/dev/full', DEFAULT_DOWNLOAD_LIMITS).then(() => null, (e: unknown) => e);
    assert.instance(error, RejectedImage);
    assert.is((error as RejectedImage).problem, 'disk-full');
  } finally {
    await handle.close();
    folder.close();
  }
});

test.run();
