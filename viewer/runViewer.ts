import type { Etcd3 } from 'etcd3';
import type { GlobalConfig } from '../common/config.ts';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { homePaths } from '../common/homePaths.ts';
import { createLogger } from '../common/log.ts';
import { encodeNowShowing, nowShowingKey } from '../common/protocol/codecs/commandCodecs.ts';
import type { Enrollment } from '../common/enrollment/enrollmentBundle.ts';
import { displayPrefix } from '../common/protocol/displayKeys.ts';
import { announceKey, displayAnswerKey } from '../common/protocol/systemKeys.ts';
import { asDisplay } from './etcdPermission.ts';
import { retryWithBackoff } from '../common/retryWithBackoff.ts';
import { announceDisplay, type Presence } from './announce.ts';
import { openDisplayFeed, type DisplayFeed, type FeedHandlers } from './displayFeed.ts';
import { prepareFrame, type Frame } from './framePreparer.ts';
import type { ImageServerInfo } from '../common/protocol/codecs/imageServerCodec.ts';
import { chooseImageSource, ImageCache } from './imageCache.ts';

import type { Size } from './layout.ts';
import { loadOfflineState, saveOfflineState } from './offlineState.ts';
import { SdlScreen } from './sdlScreen.ts';
import { runRebootCommand } from './rebootCommand.ts';
import { ViewerApp } from './viewerApp.ts';
import { viewerLimitsFromEnv } from './viewerEnvironment.ts';
import { resolveViewerId } from './viewerIdentity.ts';
import { releaseDroppedFramesSoon } from './releaseFrames.ts';
import { RenderHealth } from './renderHealth.ts';
import { configureSharpForDevice } from './sharpForDevice.ts';
import { startSystemdWatchdog } from './systemdWatchdog.ts';
import { StatusReporter } from './statusReport.ts';

const log = createLogger('viewer');
const VERSION = '0.1.0';

export interface ViewerOptions {
  config: GlobalConfig;
  id?: string;
  windowed?: Size;
  /** The original system's download folder, used while no photoframe image server is published. */
  downloadUrl?: string;
  /** Run (by `sh -c`) when `/<id>:reboot` is written. */
  rebootCommand?: string;
  /** The display's enrollment bundle: its identity, etcd endpoints and TLS material. */
  enrollment?: Enrollment;
}

export const DEFAULT_REBOOT_COMMAND = 'systemctl reboot';
// Long enough for the original server's 10 s poll; short enough that a stale answer clears itself.
const NOW_SHOWING_TTL_SECONDS = 60;

/**
 * A display's life: identity, screen, the offline copy, then etcd — announce,
 * read, watch. Without etcd it keeps showing what it last knew and reconnects.
 */
export async function runViewer(options: ViewerOptions): Promise<void> {
  const paths = homePaths(options.config.home);
  const enrollment = options.enrollment ?? null;
  const id = enrollment ? enrollment.id : await resolveViewerId(options.id, paths.viewerConfig);
  // In messages a person reads: the name the console gave it, when enrolled.
  const displayLabel = enrollment?.name ? `"${enrollment.name}"` : id;
  const certificateFix = `renew it on the console (photoframe display renew ${id}) and install the new display.crt`;
  const offline = await loadOfflineState(paths.viewerState);
  const limits = viewerLimitsFromEnv(process.env);

  const screenOptions = { windowed: options.windowed, title: `photoframe ${id}` };
  let screen = await SdlScreen.open(screenOptions);
  log.info('viewer started', { id, width: screen.size.width, height: screen.size.height, accelerated: screen.accelerated });

  const health = new RenderHealth();
  const watchdog = startSystemdWatchdog({ env: process.env, renderProblem: () => health.problem(Date.now()), log });
  if (watchdog.enabled) log.info('notifying the systemd watchdog');
  // An enrolled display fetches over HTTPS with its own certificate, trusting the installation's CA only.
  const cache = new ImageCache(paths.viewerCache, { limits: limits.download, budget: limits.cache, tls: enrollment?.tls ?? null });
  // Which cached file each frame was made from, so the cache never evicts the one on screen; weak, as frames come and go.
  const fileOfFrame = new WeakMap<Frame, string>();
  let lastServer: ImageServerInfo | null = null;
  // A viewer killed mid-download left temp files that nothing else would remove; clear them before the first download.
  await cache.trim();
  configureSharpForDevice();
  const remembered: Record<string, string> = { ...(offline?.values ?? {}) };
  let saving = Promise.resolve();
  // One connection to etcd at a time: the client, this display's presence and its feed.
  let session: { client: Etcd3; presence: Presence; feed: DisplayFeed } | null = null;
  let stopping = false;
  let stop: (why: string) => Promise<void> = async () => {};
  let restarting: Promise<void> = Promise.resolve();
  const watchScreen = (current: SdlScreen) => {
    current.onResize(() => app.refresh());
    current.onExposePhoto(() => app.redraw());
    current.onClose(() => void stop('window closed'));
  };

  let saveQueued = false;
  const app: ViewerApp = new ViewerApp(id, {
    // Through a getter: restart_screen replaces the window under the app.
    screen: {
      get size() {
        return screen.size;
      },
      show: (frame) => {
        screen.show(frame);
        cache.setOnScreen(fileOfFrame.get(frame) ?? null);
        // The frame it replaced, and any dropped on the way, are garbage now: free their pixels.
        releaseDroppedFramesSoon();
        status.changed();
      },
      clear: () => {
        screen.clear();
        // Black (power off, no photos): the frame decoded ahead was let go, and so was the last one drawn.
        releaseDroppedFramesSoon();
        status.changed();
      },
    },
    fetchImage: (name, size, server) => {
      // A new announcement of the image server is a new object: the moment to give refused photos another try.
      if (server !== lastServer) cache.forgetRefusals();
      lastServer = server;
      cache.setCurrentList(app.state.playlist.images);
      return cache.get(name, size, chooseImageSource(server, options.downloadUrl));
    },
    prepareFrame: (file, size, settings) =>
      health.track('preparing a frame', async () => {
        try {
          const frame = await prepareFrame(file, size, settings);
          fileOfFrame.set(frame, file);
          return frame;
        } catch (error) {
          // Every file handed to this port comes from the cache.
          throw await cache.discardUnusable(file, error);
        }
      }),
    remember: (key, value) => {
      if (value === null) delete remembered[key];
      else remembered[key] = value;
      // A save not yet started will write the newest values, so a burst of writes costs one or two saves.
      if (saveQueued) return;
      saveQueued = true;
      // Saves are chained so an older state can never land after a newer one.
      saving = saving
        .then(() => {
          saveQueued = false;
          return saveOfflineState(paths.viewerState, remembered);
        })
        .catch((error: Error) => log.warn('cannot save offline state', { error: error.message }));
    },
    reboot: () => runRebootCommand(options.rebootCommand ?? DEFAULT_REBOOT_COMMAND),
    // One restart at a time: two close-and-open sequences interleaved would leave a window behind.
    restartScreen: () => {
      restarting = restarting.catch(() => {}).then(async () => {
        if (stopping) return;
        screen.close();
        screen = await SdlScreen.open(screenOptions);
        watchScreen(screen);
        log.info('screen restarted', { width: screen.size.width, height: screen.size.height, accelerated: screen.accelerated });
      });
      return restarting;
    },
    answerNowShowing: (requestId, answer) => {
      const client = session?.client;
      if (!client) return log.warn(`cannot answer current_display ${requestId}: not connected to etcd`);
      // A lease that is never kept alive: etcd removes the answer by itself.
      const lease = client.lease(NOW_SHOWING_TTL_SECONDS, { autoKeepAlive: false });
      // An enrolled display's role cannot write the original's `/R:`; it answers under its own prefix.
      lease
        .put(enrollment ? displayAnswerKey(id, requestId) : nowShowingKey(requestId))
        .value(encodeNowShowing(answer))
        .then(
          () => log.info('answered current_display', { request: requestId, image: answer.image ?? '' }),
          (error: Error) => log.warn(`cannot answer current_display ${requestId}: ${error.message.split('\n')[0]}`),
        )
        .finally(() => lease.release());
    },
  });
  watchScreen(screen);
  const status = new StatusReporter(
    id,
    {
      state: () => {
        const now = app.nowShowing();
        return { image: now.image, shown_at: now.shown_at, power: now.power, paused: now.paused };
      },
      diskPath: options.config.home,
    },
    log,
  );

  if (offline) {
    for (const [key, value] of Object.entries(offline.values)) app.apply({ key, value }, false);
  }

  const closeSession = async () => {
    const current = session;
    session = null;
    status.connected(null);
    await current?.feed.close().catch(() => {});
    await current?.presence.close().catch(() => {});
    current?.client.close();
  };

  const handlers: FeedHandlers = {
    snapshot: (changes) => {
      // A key remembered from before but absent now was deleted while we were away.
      const present = new Set(changes.map((change) => change.key));
      for (const key of Object.keys(remembered)) if (!present.has(key)) app.apply({ key, value: null }, false);
      for (const change of changes) app.apply(change, false);
      for (const change of changes) if (change.key.startsWith(`/${id}:`)) status.applied(change.revision);
      status.connected(session?.client ?? pendingClient);
    },
    change: (change) => {
      app.apply(change, true);
      if (change.key.startsWith(`/${id}:`)) status.applied(change.revision);
    },
    broken: (error) => {
      // The client's watch queue may be wedged (see displayFeed.ts): start over with a new client.
      log.warn(`watch ended (${error.message.split('\n')[0]}); reconnecting and reading the keys afresh`);
      void closeSession().then(() => retryWithBackoff('reconnect to etcd', connect, { stopped: () => stopping, log }));
    },
  };

  // The client whose feed is opening: the snapshot arrives before the session is set.
  let pendingClient: Etcd3 | null = null;
  const connect = async () => {
    const client = await connectEtcd(options.config.etcd, { callTimeoutMs: 10_000, certificateFix });
    pendingClient = client;
    let presence: Presence | undefined;
    try {
      presence = await asDisplay(displayLabel, `write ${announceKey(id)}`, () => announceDisplay(client, id, screen.size, VERSION, log));
      const feed = await asDisplay(displayLabel, `read ${displayPrefix(id)}`, () => openDisplayFeed(client, id, handlers));
      session = { client, presence, feed };
    } catch (error) {
      await presence?.close().catch(() => {});
      client.close();
      throw error;
    }
    // A stop that arrived while we were connecting must not leave a lease or watch behind.
    if (stopping) return closeSession();
    log.info('watching etcd', { prefix: `/${id}:`, endpoints: options.config.etcdEndpoints.join(',') });
  };

  const done = new Promise<void>((resolve) => {
    stop = async (why: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`stopping: ${why}`);
      app.stop();
      status.stop();
      watchdog.stop();
      await closeSession();
      cache.close();
      await saving;
      screen.close();
      resolve();
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });

  try {
    await connect();
  } catch (error) {
    if (!offline) {
      screen.close();
      throw error;
    }
    log.warn(`${(error as Error).message.split('\n')[0]}; showing cached photos and reconnecting`, {
      cached: await cache.count(screen.size),
    });
    void retryWithBackoff('reconnect to etcd', connect, { stopped: () => stopping, log });
  }
  await done;
}
