import type { Etcd3 } from 'etcd3';
import type { EtcdTarget } from '../../common/config.ts';
import type { Logger } from '../../common/log.ts';
import { openDisplayFeed, type DisplayFeed } from '../displayFeed.ts';
import type { Frame } from '../framePreparer.ts';
import type { Size } from '../layout.ts';
import type { PhotoList } from '../photoList.ts';
import { ViewerApp } from '../viewerApp.ts';
import { ViewerConnection } from '../viewerConnection.ts';

/** A 1080p screen, as announced: what a real display would say. */
const SCREEN: Size = { width: 1920, height: 1080 };
const NO_PIXELS: Frame = { width: 1, height: 1, data: Buffer.alloc(4), rect: { x: 0, y: 0, width: 1, height: 1 } };

export interface HeadlessViewerOptions {
  id: string;
  etcd: EtcdTarget;
  /** Its own etcd identity: answers go under its prefix as an enrolled display's do. */
  enrolled: boolean;
  /** Where the status key's free space is measured (any folder). */
  diskPath: string;
  log: Logger;
  /** Each time the list the display shows from changes (the playlist's images, as the model holds them). */
  listChanged(images: readonly string[]): void;
  /**
   * A client shared with other headless viewers: only the feed of this
   * display's keys runs on it (no presence, no status key). Without it the
   * viewer makes its own connection, exactly as a display does.
   */
  sharedClient?: Etcd3;
}

/**
 * A display without a window: the viewer's own etcd link (ViewerConnection:
 * the compaction-safe feed, presence, status key, answers), the registry's
 * codecs, the display model and the renderer's latest-wins queue, with a
 * screen that draws nothing and photos that are never downloaded. What a
 * real viewer decides from etcd, this decides the same way; it is what a
 * simulated fleet of 1,000 is made of (simulatedFleet.ts).
 */
export class HeadlessViewer {
  readonly app: ViewerApp;
  readonly connection: ViewerConnection;
  private lastList: PhotoList | null = null;
  private sharedFeed: DisplayFeed | null = null;

  constructor(private readonly options: HeadlessViewerOptions) {
    const { id } = options;
    this.app = new ViewerApp(id, {
      // What is on screen changed: the status key says so soon, as a display's does after drawing.
      screen: { size: SCREEN, show: () => this.connection.statusChanged(), clear: () => this.connection.statusChanged() },
      // The name stands for the cached file: the decisions are the viewer's, the pixels are not made.
      fetchImage: async (name) => name,
      prepareFrame: async () => NO_PIXELS,
      remember: () => {},
      reboot: () => options.log.info('reboot requested (headless: ignored)'),
      restartScreen: async () => {},
      answerNowShowing: (requestId, answer) => this.connection.answerNowShowing(requestId, answer),
    });
    this.connection = new ViewerConnection(
      {
        id,
        etcd: options.etcd,
        enrolled: options.enrolled,
        label: id,
        certificateFix: `renew it (photoframe display renew ${id})`,
        version: '0.1.0-headless',
        screenSize: () => SCREEN,
        status: {
          state: () => {
            const now = this.app.nowShowing();
            return { image: now.image, shown_at: now.shown_at, power: now.power, paused: now.paused };
          },
          diskPath: options.diskPath,
        },
        log: options.log,
      },
      this.listener,
    );
  }

  private readonly listener = {
    snapshot: (changes: { key: string; value: string | null; revision?: string }[]) => {
      for (const change of changes) this.app.apply(change, false);
      this.noticeList();
    },
    change: (change: { key: string; value: string | null; revision?: string }) => {
      this.app.apply(change, true);
      this.noticeList();
    },
  };

  /** The list the display shows from now. */
  get images(): readonly string[] {
    const list = this.app.state.playlist.images;
    return Array.from({ length: list.length }, (_, i) => list.nameAt(i));
  }

  async connect(): Promise<void> {
    const shared = this.options.sharedClient;
    if (!shared) return this.connection.connect();
    this.sharedFeed = await openDisplayFeed(shared, this.app.displayId, {
      ...this.listener,
      broken: (error) => this.options.log.warn(`feed of ${this.app.displayId} broke: ${error.message}`),
    });
  }

  async close(): Promise<void> {
    this.app.stop();
    await this.sharedFeed?.close();
    await this.connection.close();
  }

  private noticeList(): void {
    // The playlist keeps its list object while the list is the same: names are made only for a new one.
    const list = this.app.state.playlist.images;
    if (list === this.lastList) return;
    this.lastList = list;
    this.options.listChanged(this.images);
  }
}
