import type { Etcd3 } from 'etcd3';
import { openEtcdFeed, type EtcdFeed, type FeedChange, type FeedLink } from '../../common/etcd/etcdFeed.ts';
import { decodeAnnouncement } from '../../common/protocol/codecs/announcementCodec.ts';
import type { AlbumRef } from '../../common/protocol/codecs/commandCodecs.ts';
import type { SettingsValue } from '../../common/protocol/codecs/settingsCodec.ts';
import { parseDisplayKey } from '../../common/protocol/displayKeys.ts';
import { readDisplayChange } from '../../common/protocol/topicRegistry.ts';
import { displayIdFromAnnounceKey, displayIdFromOnlineKey, displayIdFromStatusKey } from '../../common/protocol/systemKeys.ts';
import { decodeViewerStatus, type ViewerStatus } from '../../common/protocol/codecs/viewerStatusCodec.ts';
import { retryWithBackoff } from '../../common/retryWithBackoff.ts';
import { createLogger } from '../../common/log.ts';
import type { EtcdDisplayView } from '../displays/displayDirectory.ts';
import { STALE_AFTER_MS } from '../displays/displayHealth.ts';

/** What etcd says about one display, beyond its announcement and presence. */
export interface DisplayKeys {
  /** How many images it has: its manifest's count when `images_manifest` names one, else what `images` lists; null when absent or malformed. */
  images: number | null;
  /** How many its `images_manifest` names (a large album; `images` then holds a sample), null without one. */
  manifestImages: number | null;
  /** How many its `images` key lists. */
  listedImages: number | null;
  /** The decoded settings, null when absent or malformed. */
  settings: SettingsValue | null;
  powerState: string | null;
  paused: boolean;
  /** The album the console last gave it, by its own `album` key. */
  album: AlbumRef | null;
  /** When this console last saw the display go offline (presence keys carry no time of their own). */
  lastSeen: Date | null;
  /** Every topic key and its raw value, for the detail view. */
  topics: Map<string, string>;
  /** What the viewer last reported about itself (`/photoframe/status/<id>`). */
  status: ViewerStatus | null;
  /** When this console saw that status arrive (null when only read at start): a status that stops arriving is stale. */
  statusSeenAt: Date | null;
  /** The newest mod_revision written to its `/<id>:` keys, to compare with the revision it applied. */
  writtenRevision: bigint | null;
}

export type DisplayKeyListener = (displayIds: ReadonlySet<string>) => void;
export type LinkListener = (link: FeedLink) => void;

const log = createLogger('console');

/**
 * The displays as etcd describes them, kept by applying each change from a
 * compaction-safe feed on its own key: no re-read per event, and a broken
 * feed is reopened with a fresh snapshot. One per process, shared by sessions.
 */
export class EtcdDisplays {
  readonly view: EtcdDisplayView = { announcements: new Map(), online: new Set() };
  readonly keys = new Map<string, DisplayKeys>();
  /** Raw values of keys that are not a display's, e.g. `/R:` answers to a current_display request. */
  readonly others = new Map<string, string>();
  private feed: EtcdFeed | null = null;
  private closed = false;
  private readonly listeners = new Set<DisplayKeyListener>();
  private readonly linkListeners = new Set<LinkListener>();
  /** Whether the feed is attached to etcd now: down while the member it watched through is gone. */
  link: FeedLink = { up: true };
  /** Per display, a timer that tells the views when its status turns stale (nothing else would change then). */
  private readonly staleTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly client: Etcd3) {}

  async open(): Promise<void> {
    this.feed = await openEtcdFeed(this.client, [{ prefix: '/' }], {
      snapshot: (changes) => {
        // Displays gone while the feed was away are touched too: a view that keeps rows drops theirs.
        const touched = new Set<string>([...this.view.announcements.keys(), ...this.view.online, ...this.keys.keys()]);
        this.view.announcements.clear();
        this.view.online.clear();
        this.keys.clear();
        this.others.clear();
        for (const change of changes) this.apply(change, touched);
        this.emit(touched);
      },
      change: (change) => {
        const touched = new Set<string>();
        this.apply(change, touched, true);
        this.emit(touched);
      },
      broken: (error) => {
        log.warn('etcd feed broke; reading afresh', { error: error.message });
        this.setLink({ up: false, reason: error.message.split('\n')[0]! });
        void this.reopen();
      },
      link: (link) => this.setLink(link),
    });
    if (!this.link.up) this.setLink({ up: true });
  }

  /** Hears the link go down and come back (a cluster member lost, then another one answering). */
  onLink(listener: LinkListener): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }

  private setLink(link: FeedLink): void {
    if (link.up === this.link.up) return;
    this.link = link;
    log.warn(link.up ? 'etcd feed attached again' : `etcd feed lost its member: ${link.reason}`);
    for (const listener of [...this.linkListeners]) {
      try {
        listener(link);
      } catch {
        // One session's failing screen never stops the others hearing etcd.
      }
    }
  }

  onChange(listener: DisplayKeyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  keysOf(id: string): DisplayKeys {
    let keys = this.keys.get(id);
    if (!keys) {
      keys = { images: null, manifestImages: null, listedImages: null, settings: null, powerState: null, paused: false, album: null, lastSeen: null, topics: new Map(), status: null, statusSeenAt: null, writtenRevision: null };
      this.keys.set(id, keys);
    }
    return keys;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.staleTimers.values()) clearTimeout(timer);
    this.staleTimers.clear();
    await this.feed?.close();
  }

  private async reopen(): Promise<void> {
    await retryWithBackoff('reopen the console etcd feed', () => this.open(), { stopped: () => this.closed, log });
  }

  private apply(change: FeedChange, touched: Set<string>, live = false): void {
    const announced = displayIdFromAnnounceKey(change.key);
    if (announced !== null) {
      const decoded = change.value === null ? null : decodeAnnouncement(change.value);
      if (decoded?.ok) this.view.announcements.set(announced, decoded.value);
      else this.view.announcements.delete(announced);
      touched.add(announced);
      return;
    }
    const online = displayIdFromOnlineKey(change.key);
    if (online !== null) {
      if (change.value === null) {
        if (this.view.online.delete(online)) this.keysOf(online).lastSeen = new Date();
      } else this.view.online.add(online);
      touched.add(online);
      return;
    }
    const reporting = displayIdFromStatusKey(change.key);
    if (reporting !== null) {
      const decoded = change.value === null ? null : decodeViewerStatus(change.value);
      const keys = this.keysOf(reporting);
      keys.status = decoded?.ok ? decoded.value : null;
      keys.statusSeenAt = live && keys.status ? new Date() : null;
      touched.add(reporting);
      const running = this.staleTimers.get(reporting);
      if (keys.status && !this.closed) {
        // A fleet's status keys change ~1,000 times a second: restart the display's timer rather than make a new one.
        if (running) running.refresh();
        else {
          const timer = setTimeout(() => {
            this.staleTimers.delete(reporting);
            this.emit(new Set([reporting]));
          }, STALE_AFTER_MS + 1000);
          timer.unref();
          this.staleTimers.set(reporting, timer);
        }
      } else if (running) {
        clearTimeout(running);
        this.staleTimers.delete(reporting);
      }
      return;
    }
    const parsed = parseDisplayKey(change.key);
    if (!parsed) return;
    if (parsed.topic === '') return;
    const keys = this.keysOf(parsed.displayId);
    if (change.revision !== undefined) {
      const revision = BigInt(change.revision);
      if (keys.writtenRevision === null || revision > keys.writtenRevision) keys.writtenRevision = revision;
    }
    if (change.value === null) keys.topics.delete(parsed.topic);
    else keys.topics.set(parsed.topic, change.value);
    touched.add(parsed.displayId);
    // The registry's lenient decoders read the key exactly as a viewer would, originals' values included.
    const outcome = readDisplayChange(parsed.displayId, change.key, change.value, false);
    if (outcome.kind === 'refuse') {
      if (parsed.topic === 'images') keys.listedImages = null;
      if (parsed.topic === 'images_manifest') keys.manifestImages = null;
      keys.images = keys.manifestImages ?? keys.listedImages;
      if (parsed.topic === 'settings') keys.settings = null;
      return;
    }
    if (outcome.kind !== 'apply') return;
    const applied = outcome.change;
    if (applied.topic === 'images') keys.listedImages = change.value === null ? null : applied.value.length;
    else if (applied.topic === 'images_manifest') keys.manifestImages = applied.value?.count ?? null;
    else if (applied.topic === 'settings') keys.settings = change.value === null ? null : applied.value;
    else if (applied.topic === 'power_state') keys.powerState = applied.value;
    else if (applied.topic === 'paused') keys.paused = applied.value;
    else if (applied.topic === 'album') keys.album = applied.value;
    keys.images = keys.manifestImages ?? keys.listedImages;
  }

  private emit(touched: ReadonlySet<string>): void {
    if (touched.size === 0) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(touched);
      } catch {
        // One session's failing screen never stops the others hearing etcd.
      }
    }
  }
}
