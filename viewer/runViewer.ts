import type { GlobalConfig } from '../common/config.ts';
import type { Enrollment } from '../common/enrollment/enrollmentBundle.ts';
import { homePaths } from '../common/homePaths.ts';
import { CaptionBook } from './captionBook.ts';
import { createLogger } from '../common/log.ts';
import { ScreenPowerControl } from './cecControl.ts';
import { DeviceRendering } from './deviceRendering.ts';
import { ImageCache } from './imageCache.ts';
import type { Size } from './layout.ts';
import { ManifestCache } from './manifestCache.ts';
import { loadOfflineState, saveOfflineState } from './offlineState.ts';
import { runRebootCommand } from './rebootCommand.ts';
import { SCREEN_OFF_POLL_MS, setWindowPollMs, WINDOW_POLL_MS } from './sdlEventPump.ts';
import { RenderHealth } from './renderHealth.ts';
import { configureSharpForDevice } from './sharpForDevice.ts';
import { startSystemdWatchdog } from './systemdWatchdog.ts';
import { ViewerApp } from './viewerApp.ts';
import { ViewerConnection } from './viewerConnection.ts';
import { viewerLimitsFromEnv } from './viewerEnvironment.ts';
import { ViewerHealthSampler } from './viewerHealth.ts';
import { resolveViewerId } from './viewerIdentity.ts';

const log = createLogger('viewer');
const VERSION = '0.1.0';
/** The exit status of a viewer whose slideshow froze: systemd restarts it (Restart=always). */
export const EXIT_STUCK = 3;
// How long a stuck viewer waits for its status (saying why) to go out before it exits.
const STUCK_REPORT_MS = 3000;

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

/** A display's manifest before its `images`: read together, the sample in `images` (for original viewers) is never shown first. */
function manifestFirst<T extends { key: string }>(changes: readonly T[]): T[] {
  const isManifest = (change: T) => change.key.endsWith(':images_manifest');
  return [...changes.filter(isManifest), ...changes.filter((change) => !isManifest(change))];
}

/**
 * A display's life, wired together: identity, rendering (deviceRendering.ts),
 * the offline copy, the app that decides (viewerApp.ts over displayModel.ts),
 * then etcd (viewerConnection.ts) — announce, read, watch. Without etcd it
 * keeps showing what it last knew and reconnects.
 */
export async function runViewer(options: ViewerOptions): Promise<void> {
  const paths = homePaths(options.config.home);
  const enrollment = options.enrollment ?? null;
  // An enrolled display is who its certificate says; otherwise --id, or the id it made on its first start.
  const id = enrollment ? enrollment.id : await resolveViewerId(options.id, paths.viewerConfig);
  const offline = await loadOfflineState(paths.viewerState);
  const limits = viewerLimitsFromEnv(process.env);

  const renderHealth = new RenderHealth();
  // Set once the connection exists: a warning logged before then (it becomes the last error) has no status to update yet.
  let statusConnection: ViewerConnection | undefined;
  const statusChanged = () => statusConnection?.statusChanged();
  // An enrolled display fetches over HTTPS with its own certificate, trusting the installation's CA only.
  const cache = new ImageCache(paths.viewerCache, { limits: limits.download, budget: limits.cache, tls: enrollment?.tls ?? null });
  const rendering = await DeviceRendering.open({
    screen: { windowed: options.windowed, title: `photoframe ${id}` },
    cache,
    captions: new CaptionBook(paths.viewerCaptions, Date.now, cache.httpsAgent),
    health: renderHealth,
    downloadUrl: options.downloadUrl,
    currentList: () => app.state.playlist.images,
    changed: () => {
      health.drawn();
      statusChanged();
    },
  });
  const screen = rendering.window;
  log.info('viewer started', { id, width: screen.size.width, height: screen.size.height, accelerated: screen.accelerated });

  const watchdog = startSystemdWatchdog({ env: process.env, renderProblem: () => renderHealth.problem(Date.now()), log });
  if (watchdog.enabled) log.info('notifying the systemd watchdog');
  // A viewer killed mid-download left temp files that nothing else would remove; clear them before the first download.
  await cache.trim();
  configureSharpForDevice();
  const screenPower = await ScreenPowerControl.find({ env: process.env, log, changed: statusChanged });
  const health = new ViewerHealthSampler({
    version: VERSION,
    etcdEndpoints: options.config.etcd.endpoints,
    etcdTls: enrollment?.tls ?? null,
    cacheBytes: () => cache.bytes(),
    screen: () => screenPower.current,
    schedule: () => app.scheduleStatus(),
    stuck: () => app.stuckProblem(),
    groupSlot: () => app.groupSlot(),
    clockMeasured: () => app.clockCorrected(),
    changed: statusChanged,
  });
  const remembered: Record<string, string> = { ...(offline?.values ?? {}) };
  let saving = Promise.resolve();
  let saveQueued = false;

  const manifests = new ManifestCache(paths.viewerManifests);
  const app: ViewerApp = new ViewerApp(id, {
    ...rendering.ports,
    loadManifest: (ref, server) => manifests.load(ref, server && { server, request: (s, path, what) => cache.requestTo(s, path, what) }),
    clockOffsetMs: () => health.clockOffsetMs(),
    fetchStallMs: limits.download.stallMs,
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
    restartScreen: () => rendering.restartScreen(),
    answerNowShowing: (requestId, answer) => connection.answerNowShowing(requestId, answer),
    screenPower: (on) => {
      // With the screen off nothing needs repainting soon: SDL's queue is pumped less often, for the idle CPU.
      setWindowPollMs(on ? WINDOW_POLL_MS : SCREEN_OFF_POLL_MS);
      void screenPower.set(on);
    },
    stuck: (problem) => {
      log.error(`the slideshow is stuck: ${problem}; exiting so that systemd restarts the viewer`);
      statusChanged();
      // The status says why first; a decode that never returns may hold the event loop open, hence exit().
      setTimeout(() => void stop('stuck').finally(() => process.exit(EXIT_STUCK)), STUCK_REPORT_MS);
      setTimeout(() => process.exit(EXIT_STUCK), STUCK_REPORT_MS + 5000).unref();
    },
  });

  let stop: (why: string) => Promise<void> = async () => {};
  rendering.listen({ resize: () => app.refresh(), expose: () => app.redraw(), close: () => void stop('window closed') });

  const connection: ViewerConnection = new ViewerConnection(
    {
      id,
      etcd: options.config.etcd,
      enrolled: enrollment !== null,
      // In messages a person reads: the name the console gave it, when enrolled.
      label: enrollment?.name ? `"${enrollment.name}"` : id,
      certificateFix: `renew it on the console (photoframe display renew ${id}) and install the new display.crt`,
      version: VERSION,
      screenSize: () => rendering.window.size,
      status: {
        state: () => {
          const now = app.nowShowing();
          return { image: now.image, shown_at: now.shown_at, power: now.power, paused: now.paused };
        },
        diskPath: options.config.home,
        health: () => health.sample(),
      },
      log,
    },
    {
      snapshot: (changes) => {
        // A key remembered from before but absent now was deleted while we were away.
        const present = new Set(changes.map((change) => change.key));
        for (const key of Object.keys(remembered)) if (!present.has(key)) app.apply({ key, value: null }, false);
        for (const change of manifestFirst(changes)) app.apply(change, false);
      },
      change: (change) => {
        if (change.key.startsWith(`/${id}:`)) health.changeSeen();
        app.apply(change, true);
        if (!app.drawPending) health.nothingToDraw();
      },
    },
  );

  statusConnection = connection;

  if (offline) {
    for (const change of manifestFirst(Object.entries(offline.values).map(([key, value]) => ({ key, value })))) app.apply(change, false);
  }

  let stopping = false;
  const done = new Promise<void>((resolve) => {
    stop = async (why: string) => {
      if (stopping) return;
      stopping = true;
      rendering.stopRestarts();
      log.info(`stopping: ${why}`);
      app.stop();
      health.stop();
      watchdog.stop();
      await connection.close();
      await saving;
      rendering.close();
      cache.close();
      resolve();
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });

  try {
    await connection.connect();
  } catch (error) {
    if (!offline) {
      rendering.close();
      throw error;
    }
    log.warn(`${(error as Error).message.split('\n')[0]}; showing cached photos and reconnecting`, {
      cached: await cache.count(screen.size),
    });
    connection.reconnectInBackground();
  }
  await done;
}
