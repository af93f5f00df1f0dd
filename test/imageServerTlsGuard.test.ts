import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { initPki } from '../console/pki/certificateAuthority.ts';
import { createImageServer } from '../console/imageServer/imageServer.ts';
import { tempDir } from './helpers/fixtures.ts';

/** One GET on `agent`; says whether it went over a connection the agent already had. */
function get(url: string, agent: Agent): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
    });
    req.once('error', reject).end();
  });
}

test('over HTTPS, a kept-alive connection that has sent its request no longer counts as waiting for headers', async () => {
  const home = await tempDir('photoframe-home-');
  const pki = await initPki(home);
  const [cert, key, ca] = await Promise.all([readFile(pki.imageServerCert), readFile(pki.imageServerKey), readFile(pki.caCert)]);
  // /health needs no identity, so no display is ever asked about here.
  const access = { check: async () => ({ ok: false as const, status: 403 as const, message: 'not asked in this test' }) };
  const server = createImageServer({ paths: homePaths(home), https: { cert, key, ca, access }, maxWaitingForHeaders: 2 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/health`;
  const clientIdentity = { ca, cert: await readFile(pki.consoleCert), key: await readFile(join(pki.dir, 'console.key')) };
  const agents = [0, 1, 2].map(() => new Agent({ keepAlive: true, maxSockets: 1, ...clientIdentity }));
  try {
    for (const agent of agents) assert.is((await get(url, agent)).status, 200);
    // Were the first connection still counted as waiting, the third would have pushed it out.
    const again = await get(url, agents[0]!);
    assert.is(again.status, 200);
    assert.ok(again.reused, 'the first connection is still open and reused');
  } finally {
    for (const agent of agents) agent.destroy();
    server.closeAllConnections();
    server.close();
  }
});

test.run();
