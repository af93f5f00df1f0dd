import { createRequire } from 'node:module';

interface WatchResponseLike {
  created?: boolean;
  header: { revision: string };
  events?: { kv: { mod_revision: string } }[];
}
interface WatcherInternals {
  request: { start_revision?: number | string };
}

let installed = false;

/**
 * Where etcd3 1.1.2 resumes a watch after its stream breaks (a member killed,
 * a connection reset): the revision after the last one it saw. It takes that
 * from every response's header, and two of those are wrong on a cluster:
 *
 * - A watch's creation answer carries the member's current revision, not
 *   the watch's: a watch from revision 101 created at 105 has not yet
 *   delivered 101…105, yet a break then resumes it from 106, losing them.
 * - A member that is behind (just restarted, or on the minority side of a
 *   partition) answers with an older revision, moving the resume point back,
 *   so the next resume replays changes already delivered: a display would
 *   show an older state again.
 *
 * So the resume point moves only forward, and only past what was delivered:
 * the last event's revision, or a progress notice's header (etcd sends those
 * only for a watch that has caught up).
 */
export function resumeWatchesFromDelivered(): void {
  if (installed) return;
  installed = true;
  // watch.js is not among etcd3's exports in its types; require it by path, as etcd3 itself does.
  const { Watcher } = createRequire(import.meta.url)('etcd3/lib/watch.js') as {
    Watcher: { prototype: WatcherInternals & { updateRevision(res: WatchResponseLike): void } };
  };
  Watcher.prototype.updateRevision = function (this: WatcherInternals, res: WatchResponseLike) {
    const current = this.request.start_revision;
    let next: bigint;
    const last = res.events?.at(-1);
    if (last) next = BigInt(last.kv.mod_revision) + 1n;
    // A watch "from now" starts after its creation; one from a revision has delivered nothing yet.
    else if (res.created) {
      if (current !== undefined && current !== 0 && current !== '0') return;
      next = BigInt(res.header.revision) + 1n;
    } else next = BigInt(res.header.revision) + 1n;
    if (current === undefined || next > BigInt(current)) this.request.start_revision = next.toString();
  };
}
