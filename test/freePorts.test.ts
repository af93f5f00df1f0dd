import { createServer } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planLocalCluster } from '../common/etcd/localCluster.ts';
import { freePorts } from '../common/net/freePort.ts';

test('free ports asked for together are all different, and all bindable', async () => {
  const ports = await freePorts(40);
  assert.is(new Set(ports).size, 40);
  for (const port of ports.slice(0, 5)) {
    await new Promise<void>((resolve, reject) => {
      const server = createServer().once('error', reject);
      server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
    });
  }
});

test('a cluster planned on free ports never gives two members one port', async () => {
  for (let round = 0; round < 20; round++) {
    const plans = await planLocalCluster('/nonexistent', 5);
    const ports = plans.flatMap((plan) => [plan.clientPort, plan.peerPort]);
    assert.is(new Set(ports).size, ports.length, ports.join(','));
  }
});

test.run();
