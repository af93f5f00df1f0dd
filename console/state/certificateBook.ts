import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { pkiPaths } from '../pki/pkiPaths.ts';
import { displayCertificates } from '../security/enrollment.ts';

/**
 * Days left on each enrolled display's certificate, for the console's
 * displays list. Re-read when `<home>/pki/displays/` changes (an enrollment,
 * renewal or revocation by any process), so nothing polls.
 */
export class CertificateBook {
  private days = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private watcher: FSWatcher | null = null;
  private pending: NodeJS.Timeout | null = null;

  constructor(private readonly home: string) {}

  async open(): Promise<void> {
    await this.reload();
    const dir = pkiPaths(this.home).displaysDir;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      this.watcher = watch(dir, () => this.reloadSoon());
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No PKI folder we may create (a plain etcd's console): nothing to show, nothing to watch.
    }
  }

  daysLeft(displayId: string): number | null {
    return this.days.get(displayId) ?? null;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async reload(): Promise<void> {
    const certificates = await displayCertificates(this.home);
    this.days = new Map([...certificates].map(([id, cert]) => [id, cert.daysLeft]));
    for (const listener of this.listeners) listener();
  }

  close(): void {
    this.watcher?.close();
    if (this.pending) clearTimeout(this.pending);
  }

  // A bundle is several files written one after another: one re-read for the lot.
  private reloadSoon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      void this.reload().catch(() => {});
    }, 200);
  }
}
