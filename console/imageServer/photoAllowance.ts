/**
 * Which photos one display may fetch: those in its current `/<id>:images`
 * list and in the manifest its `/<id>:images_manifest` names, and for a short
 * grace period those it had before, so a download started just before the
 * console changed the list still completes (the viewer fetches one ahead, and
 * a change lands between its fetches). A manifest is held as the shared
 * index of it (see ManifestShelf), never copied per display.
 * Pure: the time comes from the caller.
 */
export const LIST_GRACE_MS = 60_000;

/** What the allowance asks of a list of names. */
export interface NameSet {
  has(name: string): boolean;
  readonly size?: number;
  readonly length?: number;
}

/** A manifest the display may fetch, by hash, with the index of its names. */
export interface AllowedManifest {
  sha256: string;
  names: NameSet;
}

interface Allowed {
  images: ReadonlySet<string>;
  manifest: AllowedManifest | null;
}

const NOTHING: Allowed = { images: new Set(), manifest: null };

export class PhotoAllowance {
  private current: Allowed = NOTHING;
  private previous: Allowed = NOTHING;
  private previousUntilMs = 0;

  constructor(private readonly graceMs: number = LIST_GRACE_MS) {}

  /** The display's list changed (or was deleted: an empty list) at `nowMs`. */
  replaceList(names: readonly string[], nowMs: number): void {
    const next = new Set(names);
    if (sameSet(next, this.current.images)) return;
    this.replace({ ...this.current, images: next }, nowMs);
  }

  /** The display's manifest changed (null: deleted) at `nowMs`. */
  replaceManifest(manifest: AllowedManifest | null, nowMs: number): void {
    if ((manifest?.sha256 ?? null) === (this.current.manifest?.sha256 ?? null)) return;
    this.replace({ ...this.current, manifest }, nowMs);
  }

  /** Whether `name` may be served now; `'previous'` when only the grace period allows it. */
  allows(name: string, nowMs: number): 'current' | 'previous' | false {
    if (holds(this.current, name)) return 'current';
    if (nowMs < this.previousUntilMs && holds(this.previous, name)) return 'previous';
    return false;
  }

  /** Whether the manifest `sha256` is (or, in the grace period, was) this display's. */
  allowsManifest(sha256: string, nowMs: number): boolean {
    if (this.current.manifest?.sha256 === sha256) return true;
    return nowMs < this.previousUntilMs && this.previous.manifest?.sha256 === sha256;
  }

  get size(): number {
    const manifest = this.current.manifest?.names;
    return this.current.images.size + (manifest?.size ?? manifest?.length ?? 0);
  }

  private replace(next: Allowed, nowMs: number): void {
    this.previous = this.current;
    this.previousUntilMs = nowMs + this.graceMs;
    this.current = next;
  }
}

function holds(allowed: Allowed, name: string): boolean {
  return allowed.images.has(name) || (allowed.manifest?.names.has(name) ?? false);
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}
