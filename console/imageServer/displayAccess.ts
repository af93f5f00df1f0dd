import { EtcdUserNotFoundError, type Etcd3 } from 'etcd3';
import { setTimeout as sleep } from 'node:timers/promises';
import { openEtcdFeed, type EtcdFeed, type FeedChange } from '../../common/etcd/etcdFeed.ts';
import { createLogger } from '../../common/log.ts';
import { decodeImages } from '../../common/protocol/codecs/imagesCodec.ts';
import { decodeImagesManifest } from '../../common/protocol/codecs/imagesManifestCodec.ts';
import type { ManifestShelf } from '../manifests/manifestStore.ts';
import { displayKey } from '../../common/protocol/displayKeys.ts';
import { displayIdFromRevokedKey, REVOKED_PREFIX } from '../../common/protocol/systemKeys.ts';
import { reasonOf } from '../../common/userError.ts';
import { displayUserName } from '../security/displayRoles.ts';
import { LIST_GRACE_MS, PhotoAllowance } from './photoAllowance.ts';

const log = createLogger('image-access');

export type Refused = { ok: false; status: 403 | 503; message: string };
export type AccessDecision = { ok: true } | Refused;

export interface DisplayAccessOptions {
  graceMs?: number;
  /** How long a display found enrolled is believed to be before its etcd user is looked up again. */
  enrollmentRecheckMs?: number;
  now?: () => number;
  /** Where the manifests displays' `images_manifest` keys name are read from. */
  manifests?: ManifestShelf;
}

/** What the server knows of one display that has asked for photos. */
interface DisplayState {
  allowance: PhotoAllowance;
  /** Resolves once the display's list has been read and is being watched. */
  ready: Promise<void>;
  /** The manifest named last, being read from the store; requests wait for it rather than be refused meanwhile. */
  manifestLoading: Promise<void>;
  feed: EtcdFeed | null;
  enrolledCheckedAtMs: number;
  dropped: boolean;
}

/**
 * Which display may fetch which photo, kept current by etcd rather than by
 * asking it per request. At start it reads and watches `/photoframe/revoked/`,
 * so a revocation written by any console process refuses the display as soon
 * as etcd delivers it. A display's list (`/<id>:images`) is read and watched
 * from its first request on, so the server holds one watch per display that
 * actually fetches, on the one watch stream its etcd client already has.
 * Enrollment (the display's etcd user exists) is looked up once per display
 * and again every few minutes; revocation does not wait for that.
 */
export class DisplayAccess {
  private readonly revoked = new Set<string>();
  private readonly displays = new Map<string, DisplayState>();
  private readonly lookups = new Map<string, Promise<boolean>>();
  private revokedFeed: EtcdFeed | null = null;
  private closed = false;
  private readonly graceMs: number;
  private readonly recheckMs: number;
  private readonly now: () => number;
  private readonly manifests: ManifestShelf | null;

  private constructor(
    private readonly client: Etcd3,
    options: DisplayAccessOptions,
  ) {
    this.graceMs = options.graceMs ?? LIST_GRACE_MS;
    this.recheckMs = options.enrollmentRecheckMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    this.manifests = options.manifests ?? null;
  }

  /** Reads the revoked displays and starts watching them; serving starts only after this. */
  static async open(client: Etcd3, options: DisplayAccessOptions = {}): Promise<DisplayAccess> {
    const access = new DisplayAccess(client, options);
    await access.followRevocations();
    return access;
  }

  async check(id: string, name: string): Promise<AccessDecision> {
    const admitted = await this.admit(id);
    if (!admitted.ok) return admitted;
    if (admitted.state.allowance.allows(name, this.now())) return { ok: true };
    return { ok: false, status: 403, message: `photo ${name} is not in display ${id}'s list` };
  }

  /** Whether display `id` may fetch the manifest `sha256`: the one its `images_manifest` names (or named a moment ago). */
  async checkManifest(id: string, sha256: string): Promise<AccessDecision> {
    const admitted = await this.admit(id);
    if (!admitted.ok) return admitted;
    if (admitted.state.allowance.allowsManifest(sha256, this.now())) return { ok: true };
    return { ok: false, status: 403, message: `manifest ${sha256.slice(0, 12)} is not display ${id}'s` };
  }

  /** An enrolled, unrevoked display whose lists are read and followed; or why not. */
  private async admit(id: string): Promise<{ ok: true; state: DisplayState } | Refused> {
    if (this.revoked.has(id)) return revokedAnswer(id);
    let state = this.displays.get(id);
    if (!state || this.now() - state.enrolledCheckedAtMs > this.recheckMs) {
      let enrolled: boolean;
      try {
        enrolled = await this.lookUpEnrollment(id);
      } catch (error) {
        log.warn(`cannot check whether display ${id} is enrolled: ${reasonOf(error).split('\n')[0]}`);
        return { ok: false, status: 503, message: 'cannot reach etcd to check this display; try again shortly' };
      }
      if (this.revoked.has(id)) return revokedAnswer(id);
      if (!enrolled) {
        this.drop(id);
        return { ok: false, status: 403, message: `display ${id} is not enrolled in this installation; enroll it with photoframe display enroll` };
      }
      state = this.displays.get(id) ?? this.follow(id);
      state.enrolledCheckedAtMs = this.now();
    }
    try {
      await state.ready;
      await state.manifestLoading;
    } catch {
      return { ok: false, status: 503, message: "cannot read this display's photo list from etcd; try again shortly" };
    }
    // A revocation may have arrived while this request waited.
    if (this.revoked.has(id)) return revokedAnswer(id);
    return { ok: true, state };
  }

  /** How many displays are being followed; for the log and tests. */
  get followed(): number {
    return this.displays.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    const feeds = [this.revokedFeed, ...[...this.displays.values()].map((state) => state.feed)];
    this.displays.clear();
    await Promise.all(feeds.map((feed) => feed?.close()));
  }

  /** Whether etcd has the display's user; concurrent requests of one display share one lookup. */
  private lookUpEnrollment(id: string): Promise<boolean> {
    let lookup = this.lookups.get(id);
    if (!lookup) {
      lookup = this.client
        .user(displayUserName(id))
        .roles()
        .then(
          () => true,
          (error: unknown) => {
            if (error instanceof EtcdUserNotFoundError) return false;
            throw error;
          },
        )
        .finally(() => this.lookups.delete(id));
      this.lookups.set(id, lookup);
    }
    return lookup;
  }

  private async followRevocations(): Promise<void> {
    const apply = (change: FeedChange) => {
      const id = displayIdFromRevokedKey(change.key);
      if (id === null) return;
      if (change.value === null) {
        // Enrolled again after a revocation: its new identity decides from now on.
        if (this.revoked.delete(id)) log.info(`display ${id} is no longer revoked`);
        return;
      }
      if (this.revoked.has(id)) return;
      this.revoked.add(id);
      this.drop(id);
      log.info(`display ${id} revoked: the image server refuses it from now on`);
    };
    this.revokedFeed = await openEtcdFeed(this.client, [{ prefix: REVOKED_PREFIX }], {
      snapshot: (changes) => changes.forEach(apply),
      change: apply,
      broken: (error) => void this.reopen('revocations', error, () => this.followRevocations()),
    });
  }

  /** Starts following a display's list; its state exists at once, so concurrent requests wait on one read. */
  private follow(id: string): DisplayState {
    const state: DisplayState = {
      allowance: new PhotoAllowance(this.graceMs),
      ready: Promise.resolve(),
      manifestLoading: Promise.resolve(),
      feed: null,
      enrolledCheckedAtMs: 0,
      dropped: false,
    };
    this.displays.set(id, state);
    const open = async (): Promise<void> => {
      const key = displayKey(id, 'images');
      const manifestKey = displayKey(id, 'images_manifest');
      const apply = (change: FeedChange) => {
        if (change.key === manifestKey) return this.applyManifest(id, state, change.value);
        if (change.key !== key) return;
        if (change.value === null) return state.allowance.replaceList([], this.now());
        const decoded = decodeImages(change.value);
        if (!decoded.ok) return log.rejectedInput(`ignoring malformed ${key}: ${decoded.error}`);
        state.allowance.replaceList(decoded.value, this.now());
      };
      const feed = await openEtcdFeed(this.client, [{ key }, { key: manifestKey }], {
        snapshot: (changes) => changes.forEach(apply),
        change: apply,
        broken: (error) => void this.reopen(`display ${id}'s list`, error, open, () => state.dropped),
      });
      if (state.dropped || this.closed) await feed.close();
      else state.feed = feed;
    };
    state.ready = open();
    // A failed first read is answered 503; the next request starts afresh.
    state.ready.catch(() => {
      if (this.displays.get(id) === state) this.displays.delete(id);
    });
    return state;
  }

  /** A manifest named (or deleted): its shared index is read from the store, and the display may fetch its photos once it is. */
  private applyManifest(id: string, state: DisplayState, raw: string | null): void {
    if (raw === null) {
      state.allowance.replaceManifest(null, this.now());
      return;
    }
    const decoded = decodeImagesManifest(raw);
    if (!decoded.ok) return log.rejectedInput(`ignoring malformed ${displayKey(id, 'images_manifest')}: ${decoded.error}`);
    const ref = decoded.value;
    if (!this.manifests) return log.warn(`display ${id} has a manifest, but this image server has no manifest folder`);
    state.manifestLoading = this.manifests.get(ref).then(
      (names) => state.allowance.replaceManifest({ sha256: ref.sha256, names }, this.now()),
      // The display keeps what it had; its photos from this manifest are refused until the console writes it again.
      (error: unknown) => log.warn(`cannot read manifest ${ref.sha256.slice(0, 12)} of display ${id}: ${reasonOf(error).split('\n')[0]}`),
    );
  }

  private drop(id: string): void {
    const state = this.displays.get(id);
    if (!state) return;
    state.dropped = true;
    this.displays.delete(id);
    void state.feed?.close();
  }

  /** A feed broke (etcd compacted past it): read afresh, backing off while etcd is away. What is known meanwhile stays. */
  private async reopen(what: string, error: Error, open: () => Promise<void>, gone: () => boolean = () => false): Promise<void> {
    log.warn(`watch of ${what} broke (${error.message}); reading it afresh`);
    for (let delay = 250; !this.closed && !gone(); delay = Math.min(delay * 2, 30_000)) {
      try {
        await open();
        return;
      } catch (reopenError) {
        log.debug(`cannot reopen the watch of ${what} yet`, { error: reasonOf(reopenError).split('\n')[0] });
        await sleep(delay);
      }
    }
  }
}

function revokedAnswer(id: string): Refused {
  return { ok: false, status: 403, message: `display ${id} has been revoked; enroll it again to bring it back` };
}
