import { once } from 'node:events';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { photoName, sha256Hex } from '../data/photos/photoNaming.ts';
import { photoLikeJpeg, tempDir } from './helpers/fixtures.ts';
import { bombPng } from './helpers/hostileFiles.ts';
import { startImageServerProcess } from './helpers/imageServerProcess.ts';

// Rows of issue 7's table about the image server, each against a real server process.
const TOKEN = 'hardening-test-token-0123456789abcdef';
const auth = { Authorization: `Bearer ${TOKEN}` };

async function filesBelow(dir: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    for (const name of await readdir(join(dir, sub)).catch(() => [] as string[])) {
      count++;
      bytes += (await stat(join(dir, sub, name))).size;
    }
  }
  return { count, bytes };
}

/** A fresh home with `count` photo-like photos imported. */
async function libraryOf(count: number, width: number, height: number) {
  const home = await tempDir('photoframe-home-');
  const paths = homePaths(home);
  const source = await tempDir();
  for (let i = 0; i < count; i++) await photoLikeJpeg(join(source, `p${i}.jpg`), width, height, i);
  const report = await importPhotos(new LibraryStore(paths.store), paths, { sources: [source] });
  return { home, paths, photos: report.imported };
}

/** Runs `use` against a server process on `home`, and stops it whatever happens. */
async function withServer(home: string, options: Record<string, number>, fileLimit: number, use: (url: string, pid: number) => Promise<void>): Promise<void> {
  const server = await startImageServerProcess(home, TOKEN, options, fileLimit);
  try {
    await use(server.url, server.pid);
  } finally {
    await server.stop();
  }
}

test('a bomb PNG never makes a rendition above the ladder, however large the size asked', async () => {
  const home = await tempDir('photoframe-home-');
  const paths = homePaths(home);
  const bomb = await bombPng(16000);
  const name = photoName(sha256Hex(bomb), 'png');
  await mkdir(paths.photos, { recursive: true });
  await writeFile(join(paths.photos, name), bomb);
  await withServer(home, {}, 1024, async (url) => {
    const sizes = ['8192x8192', '8000x6000', '7000x5000', '5000x4000', '4096x2160', '3000x3000'];
    const responses = await Promise.all(sizes.map((size) => {
      const [w, h] = size.split('x');
      return fetch(`${url}/images/${name}?w=${w}&h=${h}`, { headers: auth });
    }));
    for (const response of responses) {
      assert.is(response.status, 200);
      const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      assert.equal([meta.width, meta.height], [2160, 2160], 'the square photo fitted into the 3840×2160 rung');
    }
    assert.is((await filesBelow(paths.renditions)).count, 1, 'every size asked snapped to one rendition');
  });
});

test('the rendition cache stays within its bound, evicting the least recently served', async () => {
  const { home, paths, photos } = await libraryOf(6, 1600, 1200);
  const bound = 1536 * 1024;
  await withServer(home, { renditionCacheBytes: bound }, 1024, async (url) => {
    let served = 0;
    for (const photo of photos) {
      for (const [w, h] of [[640, 360], [1280, 720], [1920, 1080], [300, 200], [1000, 700]]) {
        const response = await fetch(`${url}/images/${photo.name}?w=${w}&h=${h}`, { headers: auth });
        assert.is(response.status, 200);
        served += (await response.arrayBuffer()).byteLength;
        const held = await filesBelow(paths.renditions);
        assert.ok(held.bytes <= bound, `${held.bytes} bytes of renditions on disk, bound ${bound}`);
      }
    }
    assert.ok(served > 2 * bound, `the test served ${served} bytes, enough to need eviction`);
  });
});

test('HEAD and Range on originals and renditions', async () => {
  const { home, paths, photos } = await libraryOf(1, 800, 600);
  const name = photos[0]!.name;
  await withServer(home, {}, 1024, async (url) => {
    const original = await readFile(join(paths.photos, name));
    const part = await fetch(`${url}/images/${name}`, { headers: { ...auth, Range: 'bytes=100-199' } });
    assert.is(part.status, 206);
    assert.is(part.headers.get('content-range'), `bytes 100-199/${original.length}`);
    assert.equal(Buffer.from(await part.arrayBuffer()), original.subarray(100, 200));
    const tail = await fetch(`${url}/images/${name}?w=640&h=360`, { headers: { ...auth, Range: 'bytes=-50' } });
    assert.is(tail.status, 206);
    assert.is((await tail.arrayBuffer()).byteLength, 50);
    const beyond = await fetch(`${url}/images/${name}`, { headers: { ...auth, Range: `bytes=${original.length}-` } });
    assert.is(beyond.status, 416);
    const head = await fetch(`${url}/images/${name}?w=640&h=360`, { headers: auth, method: 'HEAD' });
    assert.is(head.status, 200);
    assert.is(head.headers.get('accept-ranges'), 'bytes');
    assert.ok(Number(head.headers.get('content-length')) > 0);
  });
});

/** A slow-header connection from `localAddress`: a request line, then one header byte now and then. */
function slowConnection(url: URL, localAddress: string): Socket {
  const socket = connect({ host: url.hostname, port: Number(url.port), localAddress });
  socket.on('error', () => {});
  socket.on('connect', () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: '));
  return socket;
}

/** Resolves when every socket has closed (an EPIPE on the trickle is how some learn it, so not `once`, which rejects on 'error'); fails naming how many are still open once `giveUpMs` has passed. */
async function allClosed(sockets: readonly Socket[], giveUpMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'gave up'>((resolve) => (timer = setTimeout(() => resolve('gave up'), giveUpMs)));
  const closed = Promise.all(sockets.map((socket) => (socket.closed ? null : new Promise((resolve) => socket.once('close', resolve)))));
  const outcome = await Promise.race([closed, gaveUp]);
  clearTimeout(timer);
  const open = sockets.filter((socket) => !socket.closed).length;
  assert.ok(outcome !== 'gave up', `${open} of ${sockets.length} slow connections still open ${giveUpMs / 1000} s later`);
}

function getFrom(url: string, headers: Record<string, string>, giveUpMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { headers, localAddress: '127.0.0.1', timeout: giveUpMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('gave up')));
    req.on('error', () => resolve(0));
    req.end();
  });
}

test('a slowloris run from one address does not deny real clients', async () => {
  const { home, photos } = await libraryOf(1, 400, 300);
  // A stock service's file limit, and an attack that would exhaust it: bounded to 400 connections and about 8 s.
  await withServer(home, {}, 256, (serverUrl) =>
    underSlowloris(serverUrl, Array.from({ length: 400 }, () => '127.0.0.2'), 1000, async () => {
      const statuses: number[] = [];
      for (let round = 0; round < 4; round++) {
        // Generous: a refused client waits for the attack to end, about a minute with no defence.
        statuses.push(await getFrom(`${serverUrl}/images/${photos[0]!.name}?w=640&h=360`, auth, 15_000));
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      assert.equal(statuses, [200, 200, 200, 200]);
    }),
  );
});

/**
 * Opens one slow-header connection from each given local address, trickling
 * a byte a second into each, runs `meanwhile` after `settleMs`, then waits
 * for the server to close every one of them. Still trickling, so no idle
 * timeout can be what ends them: the server's header timeout must.
 */
async function underSlowloris(serverUrl: string, fromAddresses: readonly string[], settleMs: number, meanwhile: () => Promise<void>): Promise<void> {
  const url = new URL(serverUrl);
  const attackers: Socket[] = [];
  const trickle = setInterval(() => {
    for (const socket of attackers) if (!socket.destroyed) socket.write('a');
  }, 1000);
  try {
    for (const address of fromAddresses) attackers.push(slowConnection(url, address));
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    await meanwhile();
    await allClosed(attackers, 30_000);
  } finally {
    clearInterval(trickle);
    for (const socket of attackers) socket.destroy();
  }
}

test('downloads the client abandons close their file at once, not when the GC gets to it', async () => {
  const { home, photos } = await libraryOf(1, 3000, 2000);
  const openFiles = async (pid: number) => (await readdir(`/proc/${pid}/fd`)).length;
  await withServer(home, {}, 1024, async (serverUrl, pid) => {
    const url = new URL(serverUrl);
    const path = `/images/${photos[0]!.name}`;
    assert.is((await fetch(`${serverUrl}${path}`, { headers: auth }).then((r) => r.arrayBuffer())).byteLength, photos[0]!.bytes);
    const baseline = await openFiles(pid);
    for (let i = 0; i < 40; i++) {
      // Read the start of the 3 MB original, then go away: the server is still sending it.
      const socket = connect(Number(url.port), url.hostname);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
      await once(socket, 'data');
      socket.destroy();
      await once(socket, 'close');
    }
    // Each abort is noticed by the server a moment later; without the fix the descriptors stay until a GC that an idle server never runs.
    let open = await openFiles(pid);
    for (let tries = 0; open > baseline && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      open = await openFiles(pid);
    }
    assert.ok(open <= baseline, `${open} file descriptors open after 40 aborted downloads, ${baseline} before`);
  });
});

test('a rendition served again outlives older ones when the cache must make room', async () => {
  const { home, paths, photos } = await libraryOf(4, 1600, 1200);
  const { rm } = await import('node:fs/promises');
  const renditionOf = async (name: string) => {
    for (const sub of await readdir(paths.renditions)) {
      const path = join(paths.renditions, sub, name.replace(/\.[a-z]+$/, '.jpg'));
      const info = await stat(path).catch(() => null);
      if (info) return info.size;
    }
    return null;
  };
  const get = async (url: string, index: number) => {
    const response = await fetch(`${url}/images/${photos[index]!.name}?w=640&h=360`, { headers: auth });
    assert.is(response.status, 200);
    await response.arrayBuffer();
  };
  // Their sizes first, so the bound below holds exactly the first three.
  const sizes: number[] = [];
  await withServer(home, {}, 1024, async (url) => {
    for (let i = 0; i < 4; i++) {
      await get(url, i);
      sizes.push((await renditionOf(photos[i]!.name))!);
    }
  });
  await rm(paths.renditions, { recursive: true, force: true });
  await withServer(home, { renditionCacheBytes: sizes[0]! + sizes[1]! + sizes[2]! }, 1024, async (url) => {
    for (const index of [0, 1, 2, 0, 3]) await get(url, index);
    const held = await Promise.all(photos.map((photo) => renditionOf(photo.name)));
    assert.ok(held[0] !== null, 'the first, served again, is kept');
    assert.is(held[1], null, 'the least recently served is evicted');
    assert.ok(held[3] !== null, 'the newest is kept');
  });
});

test('a slowloris run from twenty addresses does not deny real clients either', async () => {
  const { home, photos } = await libraryOf(1, 400, 300);
  // 600 slow connections, 30 from each of 127.0.0.2-21 (under the per-address cap), against the usual 1,024-file limit: bounded to about 10 s.
  const addresses = Array.from({ length: 600 }, (_, i) => `127.0.0.${2 + (i % 20)}`);
  await withServer(home, {}, 1024, (serverUrl) =>
    underSlowloris(serverUrl, addresses, 500, async () => {
      const statuses: number[] = [];
      for (let round = 0; round < 6; round++) {
        const batch = Array.from({ length: 8 }, () => getFrom(`${serverUrl}/images/${photos[0]!.name}?w=640&h=360`, auth, 15_000));
        statuses.push(...(await Promise.all(batch)));
      }
      assert.equal(statuses.filter((status) => status !== 200), [], `${statuses.filter((s) => s !== 200).length} of 48 real requests failed`);
    }),
  );
});

test.run();
