import type { Etcd3, Lease } from 'etcd3';
import { hostname } from 'node:os';
import { encodeAnnouncement } from '../common/protocol/codecs/announcementCodec.ts';
import { announceKey, onlineKey } from '../common/protocol/systemKeys.ts';
import type { Logger } from '../common/log.ts';
import type { Size } from './layout.ts';

const PRESENCE_TTL_SECONDS = 15;

export interface Presence {
  close(): Promise<void>;
}

/**
 * Tells the console this display exists (a lasting key) and is up (a key on
 * a lease that etcd drops about 15 s after the viewer stops keeping it alive).
 */
export async function announceDisplay(client: Etcd3, id: string, screen: Size, version: string, log: Logger): Promise<Presence> {
  const startedAt = new Date().toISOString();
  await client.put(announceKey(id)).value(
    encodeAnnouncement({ id, hostname: hostname(), version, screen, started_at: startedAt }),
  );
  let closed = false;
  let lease: Lease;
  const grant = async () => {
    lease = client.lease(PRESENCE_TTL_SECONDS, { autoKeepAlive: true });
    lease.on('lost', (error) => {
      if (closed) return;
      log.warn('presence lease lost; renewing', { error: error.message });
      void grant().catch((e: Error) => log.warn('cannot renew presence lease', { error: e.message }));
    });
    await lease.put(onlineKey(id)).value(JSON.stringify({ since: startedAt }));
  };
  await grant();
  return {
    close: async () => {
      closed = true;
      await lease.revoke().catch(() => {});
    },
  };
}
