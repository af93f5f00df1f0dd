import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile.ts';
import { isManifestSha256, type ManifestRef } from '../../common/protocol/codecs/imagesManifestCodec.ts';
import { PackedNames } from '../../common/protocol/packedNames.ts';

/** A manifest on disk that is not what its reference says (damaged, or edited by hand). */
export class ManifestUnusableError extends Error {
  constructor(
    readonly sha256: string,
    reason: string,
  ) {
    super(`manifest ${sha256.slice(0, 12)} is unusable: ${reason}`);
    this.name = 'ManifestUnusableError';
  }
}

/**
 * Manifests in `<home>/manifests/<sha256>`, written by the console before it
 * names one in etcd, read by the image server. Content-addressed, so a file
 * once written never changes, and one album given to many displays is one file.
 */
export class ManifestStore {
  constructor(readonly dir: string) {}

  pathOf(sha256: string): string {
    if (!isManifestSha256(sha256)) throw new Error(`not a manifest hash: ${JSON.stringify(sha256)}`);
    return join(this.dir, sha256);
  }

  /** Writes the manifest (atomically) unless a file of its size is there already. */
  async save(body: Buffer, ref: ManifestRef): Promise<void> {
    const path = this.pathOf(ref.sha256);
    const existing = await stat(path).catch(() => null);
    if (existing?.isFile() && existing.size === ref.bytes) return;
    await writeFileAtomic(path, body);
  }

  /** The manifest's names, checked against its reference; throws ManifestUnusableError or the read's error (ENOENT). */
  async load(ref: ManifestRef): Promise<PackedNames> {
    const body = await readFile(this.pathOf(ref.sha256));
    const names = PackedNames.fromManifest(body, ref);
    if (!names.ok) throw new ManifestUnusableError(ref.sha256, names.error);
    return names.value;
  }
}

/**
 * Loaded manifests shared by everyone holding one: 400 displays showing one
 * 100,000-photo album hold one index of it, not 400. An index nobody holds
 * any more is left to the garbage collector and read again when next needed.
 */
export class ManifestShelf {
  private readonly loaded = new Map<string, WeakRef<PackedNames>>();
  private readonly loading = new Map<string, Promise<PackedNames>>();

  constructor(private readonly store: ManifestStore) {}

  get(ref: ManifestRef): Promise<PackedNames> {
    const held = this.loaded.get(ref.sha256)?.deref();
    if (held) return Promise.resolve(held);
    let pending = this.loading.get(ref.sha256);
    if (!pending) {
      pending = this.store
        .load(ref)
        .then((names) => {
          this.loaded.set(ref.sha256, new WeakRef(names));
          return names;
        })
        .finally(() => this.loading.delete(ref.sha256));
      this.loading.set(ref.sha256, pending);
    }
    return pending;
  }
}
