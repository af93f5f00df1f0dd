import type { Etcd3 } from 'etcd3';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GlobalConfig } from '../common/config.ts';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { homePaths } from '../common/homePaths.ts';
import { createLogger } from '../common/log.ts';
import { UserError } from '../common/userError.ts';
import { announceDisplay, type Presence } from './announce.ts';
import { openDisplayFeed, type DisplayFeed } from './displayFeed.ts';
import { prepareFrame } from './framePreparer.ts';
import { ImageCache } from './imageCache.ts';
import type { Size } from './layout.ts';
import { loadOfflineState, saveOfflineState } from './offlineState.ts';
import { SdlScreen } from './sdlScreen.ts';
import { ViewerApp } from './viewerApp.ts';
import { resolveViewerId } from './viewerIdentity.ts';

const log = createLogger('viewer');
const VERSION = '0.1.0';

export interface ViewerOptions {
  config: GlobalConfig;
  id?: string;
  windowed?: Size;
}

/**
 * A display's life: identity, screen, the offline copy, then etcd — announce,
 * read, watch. Without etcd it keeps showing what it last knew and reconnects.
 */
export async function runViewer(options: ViewerOptions): Promise<void> {
  const paths = homePaths(options.config.home);
  const id = await resolveViewerId(options.id, paths.viewerConfig);
  const offline = await loadOfflineState(paths.viewerState);

  const screen = SdlScreen.open({ windowed: options.windowed, title: `photoframe ${id}` });
  log.info('viewer started', { id, width: screen.size.width, height: screen.size.height, accelerated: screen.accelerated });

  const cache = new ImageCache(paths.viewerCache);
  const remembered: Record<string, string> = { ...(offline?.values ?? {}) };
  let saving = Promise.resolve();
  const app = new ViewerApp(id, {
    screen,
    fetchImage: (name, size, server) => cache.get(name, size, server),
    prefetchImage: (name, size, server) => {
      cache.get(name, size, server).catch((error: Error) => log.debug('prefetch failed', { name, error: error.message }));
    },
    prepareFrame,
    remember: (key, value) => {
      if (value === null) delete remembered[key];
      else remembered[key] = value;
      // Writes are chained so an older state can never land after a newer one.
      saving = saving
        .then(() => saveOfflineState(paths.viewerState, remembered))
        .catch((error: Error) => log.warn('cannot save offline state', { error: error.message }));
    },
  });
  screen.onResize(() => app.refresh());

  if (offline) {
    for (const [key, value] of Object.entries(offline.values)) app.apply({ key, value }, false);
  }

  let client: Etcd3 | null = null;
  let feed: DisplayFeed | null = null;
  let presence: Presence | null = null;
  let stopping = false;

  const done = new Promise<void>((resolve) => {
    const stop = async (why: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`stopping: ${why}`);
      app.stop();
      await feed?.close().catch(() => {});
      await presence?.close().catch(() => {});
      client?.close();
      await saving;
      screen.close();
      resolve();
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
    screen.onClose(() => void stop('window closed'));
  });

  const connect = async () => {
    const fresh = await connectEtcd(options.config.etcdEndpoints, { callTimeoutMs: 10_000 });
    try {
      presence = await announceDisplay(fresh, id, screen.size, VERSION, log);
      feed = await openDisplayFeed(fresh, id, (change) => app.apply(change, true));
    } catch (error) {
      await presence?.close().catch(() => {});
      fresh.close();
      throw error;
    }
    client = fresh;
    for (const change of feed.snapshot) app.apply(change, false);
    log.info('watching etcd', { prefix: `/${id}:`, endpoints: options.config.etcdEndpoints.join(',') });
  };

  try {
    await connect();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    if (!offline) {
      screen.close();
      throw error;
    }
    log.warn(`${error.message}; showing cached photos and reconnecting`, {
      cached: await cache.count(screen.size),
    });
    void reconnect(connect, () => stopping);
  }
  await done;
}

/** Backs off from 1 s to 30 s between attempts; etcd3 itself resumes watches once connected. */
async function reconnect(connect: () => Promise<void>, stopped: () => boolean): Promise<void> {
  for (let delay = 1000; !stopped(); delay = Math.min(delay * 2, 30_000)) {
    await sleep(delay);
    if (stopped()) return;
    try {
      await connect();
      log.info('reconnected to etcd');
      return;
    } catch (error) {
      log.debug('etcd still unreachable', { error: (error as Error).message });
    }
  }
}
