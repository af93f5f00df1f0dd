/**
 * Image fetch of a cached 1080p rendition as a viewer makes it (viewer/httpGet.ts,
 * the agent viewer/imageCache.ts uses), over HTTPS with mutual TLS against a
 * real TLS etcd with auth (the display's access is checked on every request),
 * beside the same fetch over plain HTTP with the bearer token, alternated in
 * the same run. Target: HTTPS at most 1.5× plain.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { homePaths } from '../common/homePaths.ts';
import { displayKey } from '../common/protocol/displayKeys.ts';
import { DisplayAccess } from '../console/imageServer/displayAccess.ts';
import { createImageServer } from '../console/imageServer/imageServer.ts';
import { loadImageServerIdentity } from '../console/imageServer/imageServerCertificate.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { startSecureEtcd } from '../test/helpers/secureEtcd.ts';
import { openGet } from '../viewer/httpGet.ts';
import { imageServerAgent } from '../viewer/imageCache.ts';
import { percentile, timeMs, type Sample } from './benchHarness.ts';
import { benchPhoto } from './photoFixtures.ts';

const ROUNDS = Number(process.env.BENCH_FETCH_ROUNDS ?? 200);
const TOKEN = 'bench-token-0123456789abcdef';

async function listen(server: Server): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, connections: () => connections };
}

/** One fetch, body drained, as the viewer does before writing it to its cache. */
async function fetchOnce(url: string, headers: Record<string, string>, agent?: HttpsAgent): Promise<number> {
  const { response } = await openGet(url, headers, 60_000, agent);
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode} from ${url}`);
  let bytes = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) bytes += chunk.byteLength;
  return bytes;
}

export async function imageFetchSamples(scratch: string): Promise<Sample[]> {
  const etcd = await startSecureEtcd();
  const servers: Server[] = [];
  let access: DisplayAccess | null = null;
  try {
    const paths = homePaths(etcd.home);
    const source = join(scratch, 'fetch-photo');
    await mkdir(source, { recursive: true });
    await benchPhoto(join(source, 'photo.jpg'), 4000, 3000, 7);
    const name = (await importPhotos(new LibraryStore(paths.store), paths, { sources: [source] })).imported[0]!.name;
    const display = await etcd.enrollDisplay('bench');
    await etcd.admin.put(displayKey('bench', 'images')).value(JSON.stringify([name]));

    const identity = await loadImageServerIdentity(etcd.home, '127.0.0.1');
    access = await DisplayAccess.open(etcd.admin);
    const secureServer = createImageServer({ paths, https: { cert: identity.cert, key: identity.key, ca: identity.ca, access } });
    const plainServer = createImageServer({ paths, token: TOKEN });
    servers.push(secureServer, plainServer);
    const secure = await listen(secureServer);
    let resumed = 0;
    let handshakes = 0;
    secureServer.on('secureConnection', (socket: TLSSocket) => {
      handshakes++;
      if (socket.isSessionReused()) resumed++;
    });
    const plain = await listen(plainServer);
    const query = `/images/${name}?w=1920&h=1080`;
    const secureUrl = `https://127.0.0.1:${secure.port}${query}`;
    const plainUrl = `http://127.0.0.1:${plain.port}${query}`;
    const bearer = { Authorization: `Bearer ${TOKEN}` };
    const agent = imageServerAgent(display.material);

    // The first request makes the rendition; both servers share the home, so both then serve it from disk.
    const bytes = await fetchOnce(secureUrl, {}, agent);
    const alternate = async (rounds: number, close: boolean) => {
      const extra: Record<string, string> = close ? { Connection: 'close' } : {};
      const times = { secure: [] as number[], plain: [] as number[] };
      for (let i = 0; i < 5; i++) await Promise.all([fetchOnce(secureUrl, extra, agent), fetchOnce(plainUrl, { ...bearer, ...extra })]);
      for (let i = 0; i < rounds; i++) {
        times.secure.push(await timeMs(() => fetchOnce(secureUrl, extra, agent)));
        times.plain.push(await timeMs(() => fetchOnce(plainUrl, { ...bearer, ...extra })));
      }
      return { secure: percentile(times.secure, 50), plain: percentile(times.plain, 50) };
    };
    const connectionsBefore = { secure: secure.connections(), plain: plain.connections() };
    const kept = await alternate(ROUNDS, false);
    const keptConnections = { secure: secure.connections() - connectionsBefore.secure, plain: plain.connections() - connectionsBefore.plain };
    const handshakesBefore = { all: handshakes, resumed };
    const fresh = await alternate(Math.max(20, Math.floor(ROUNDS / 4)), true);
    const freshHandshakes = handshakes - handshakesBefore.all;
    const freshResumed = resumed - handshakesBefore.resumed;
    agent.destroy();
    const kib = Math.round(bytes / 1024);
    return [
      {
        name: `image fetch, cached 1080p rendition (${kib} KiB), HTTPS mutual TLS, keep-alive (p50)`,
        unit: 'ms',
        ours: kept.secure,
        reference: kept.plain,
        referenceName: `the same over plain HTTP with the token; target ≤1.5x (${keptConnections.secure} TLS / ${keptConnections.plain} plain new connections in ${ROUNDS + 5} fetches each)`,
        lowerIsBetter: true,
      },
      {
        name: 'the same, a new connection per fetch (p50)',
        unit: 'ms',
        ours: fresh.secure,
        reference: fresh.plain,
        referenceName: `plain HTTP, a new connection per fetch (${freshResumed} of ${freshHandshakes} TLS handshakes resumed a session, as the viewer's agent does)`,
        lowerIsBetter: true,
      },
    ];
  } finally {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await access?.close();
    await etcd.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { printTable } = await import('./benchHarness.ts');
  process.env.PHOTOFRAME_LOG ??= 'error';
  const scratch = await mkdtemp(join(tmpdir(), 'photoframe-fetch-bench-'));
  try {
    printTable(await imageFetchSamples(scratch));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
