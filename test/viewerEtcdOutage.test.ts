import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { startLocalEtcd, type LocalEtcd } from '../common/etcd/localEtcd.ts';
import { freePort } from '../common/net/freePort.ts';
import { encodeImageServer } from '../common/protocol/codecs/imageServerCodec.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';
import { startXvfb } from '../viewer/xvfbDisplay.ts';
import { grainyJpeg, tempDir, type Rgb } from './helpers/fixtures.ts';
import type { LongRunning } from './helpers/runCli.ts';
import { screenShows } from './helpers/screenShows.ts';
import { startViewerProcess } from './helpers/viewerUnderTest.ts';

/**
 * A viewer while etcd is down (viewer/displayFeed.ts, DISCONNECT_GRACE_MS):
 * it rides out a short outage with its client, gives the client up only after
 * the grace, keeps its photo on screen throughout, and reattaches once etcd
 * is back on the same port with the same data.
 */
const RED: Rgb = [220, 30, 30];
const BLUE: Rgb = [30, 40, 220];
const ID = 'outage';
const GRACE_MS = 5000;
// The watch breaking is how the viewer says it gave up on its client (runViewer.ts, handlers.broken).
const GAVE_UP = /watch ended .*reconnecting/;

/** Serves a one-colour photo for any name starting with a colour; it never talks to etcd, so the outage is etcd's alone. */
async function startImageServer(): Promise<{ url: string; close(): Promise<void> }> {
  const photos: Record<string, Buffer> = { red: await (await grainyJpeg(320, 240, RED)).toBuffer(), blue: await (await grainyJpeg(320, 240, BLUE)).toBuffer() };
  const server: Server = createServer((req, res) => {
    const photo = photos[/^\/images\/([a-z]+)-/.exec(req.url ?? '')?.[1] ?? ''];
    if (!photo) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': photo.length }).end(photo);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** One short-lived client per write: a client kept across the outage would only add its own retrying to the picture. */
async function put(endpoint: string, key: string, value: string): Promise<void> {
  const client = await connectEtcd([endpoint]);
  try {
    await client.put(key).value(value);
  } finally {
    client.close();
  }
}

test('etcd down: the photo stays, the client is given up only after the grace; etcd back: the viewer reattaches and follows new writes', async () => {
  const dataDir = await tempDir('photoframe-etcd-');
  // Fixed ports, so the restarted etcd is where the viewer already looks, as a rebooted server would be.
  const ports = { clientPort: await freePort(), peerPort: await freePort() };
  let etcd: LocalEtcd | undefined;
  let viewer: LongRunning | undefined;
  const xvfb = await startXvfb(320, 240);
  const images = await startImageServer();
  try {
    etcd = await startLocalEtcd({ dataDir, ...ports });
    const endpoint = etcd.endpoint;
    await put(endpoint, IMAGE_SERVER_KEY, encodeImageServer({ url: images.url, token: 'outage-token-0123456789' }));
    // A day per photo: nothing but an etcd write changes the screen during the test.
    await put(endpoint, displayKey(ID, 'settings'), JSON.stringify({ order: 'sequence', interval_time: 1, interval_units: 'days' }));
    await put(endpoint, displayKey(ID, 'images'), JSON.stringify(['red-1.jpg']));
    viewer = startViewerProcess({ etcdEndpoint: endpoint, home: await tempDir('photoframe-pi-'), id: ID, display: xvfb.display });
    await viewer.waitFor(/watching etcd/);
    await screenShows(xvfb.display, [[160, 120, RED], [10, 10, RED]], viewer.lines);

    const down = viewer.lines.length;
    const stoppedAt = Date.now();
    await etcd.stop();
    // Loose on purpose: this checks the order of events (grace, then give up), not how fast.
    await viewer.waitFor(GAVE_UP, 20_000, down);
    const gaveUpAfter = Date.now() - stoppedAt;
    assert.ok(gaveUpAfter >= GRACE_MS - 500, `gave up on etcd ${gaveUpAfter} ms after it stopped, within the ${GRACE_MS} ms grace`);
    assert.is(viewer.child.exitCode, null, 'viewer still running without etcd');
    await screenShows(xvfb.display, [[160, 120, RED], [10, 10, RED]], viewer.lines);

    const back = viewer.lines.length;
    etcd = await startLocalEtcd({ dataDir, ...ports });
    assert.is(etcd.endpoint, endpoint);
    // The viewer's backoff probes find it again (1 s, 2 s, 4 s … apart) and it watches afresh.
    await viewer.waitFor(/watching etcd/, 30_000, back);
    await put(endpoint, displayKey(ID, 'images'), JSON.stringify(['blue-1.jpg']));
    await screenShows(xvfb.display, [[160, 120, BLUE], [10, 10, BLUE]], viewer.lines);
    assert.is(viewer.child.exitCode, null, 'viewer still running');
  } finally {
    await viewer?.stop();
    await images.close();
    await xvfb.stop();
    await etcd?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test.run();
