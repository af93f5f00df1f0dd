import type { Etcd3, Lease } from 'etcd3';
import { hostname } from 'node:os';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { announceKey, onlineKey } from '../common/protocol/systemKeys.ts';
import type { Logger } from '../common/log.ts';
import { retryWithBackoff } from '../common/retryWithBackoff.ts';
import type { Size } from './layout.ts';

const PRESENCE_TTL_SECONDS = 15;

export interface Presence {
  close(): Promise<void>;
}

/**
 * Tells the console this display exists (a lasting key) and is up (a key on
 * a lease that etcd drops about 15 s after the viewer stops keeping it alive).
 * A lost lease is renewed with backoff, one attempt at a time: while etcd is
 * down every attempt fails at once, and retrying without a pause would spin.
 */
export async function announceDisplay(client: Etcd3, id: string, screen: Size, version: string, log: Logger): Promise<Presence> {
  const startedAt = new Date().toISOString();
  await client.put(announceKey(id)).value(
    encodeAnnouncement({ id, hostname: hostname(), version, screen, started_at: startedAt }),
  );
  let closed = false;
  let renewing = false;
  let lease: Lease;
  const grant = async () => {
    const fresh = client.lease(PRESENCE_TTL_SECONDS, { autoKeepAlive: true });
    fresh.on('lost', (error) => {
      if (closed || fresh !== lease) return;
      log.warn('presence lease lost; renewing', { error: error.message.split('\n')[0] });
      void renew();
    });
    lease = fresh;
    try {
      await fresh.put(onlineKey(id)).value(JSON.stringify({ since: startedAt }));
    } catch (error) {
      fresh.release();
      throw error;
    }
  };
  const renew = async () => {
    if (renewing) return;
    renewing = true;
    try {
      await retryWithBackoff('renew presence lease', grant, { stopped: () => closed, log });
    } finally {
      renewing = false;
    }
  };
  await grant();
  return {
    close: async () => {
      closed = true;
      await lease.revoke().catch(() => {});
    },
  };
}
