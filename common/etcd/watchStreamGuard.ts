import { createRequire } from 'node:module';
import { createLogger } from '../log.ts';

const log = createLogger('etcd');

interface WatchResponse {
  watch_id: string;
  canceled?: boolean;
}
interface WatchManagerInternals {
  watchers: { id: string | null }[];
  handleResponse(res: WatchResponse): void;
  handleCreatedResponse(res: WatchResponse): void;
}

let installed = false;

/**
 * etcd3 1.1.2 throws from inside its watch stream's 'data' handler when etcd
 * sends a response for a watcher it has already dropped (a cancel racing an
 * event, or a compaction cancel). Thrown there, nothing can catch it and the
 * whole process dies: a viewer would crash-loop, a test run exits early. Such
 * a response concerns nobody any more, so it is logged and dropped instead.
 */
export function guardWatchStream(): void {
  if (installed) return;
  installed = true;
  // watch.js is not among etcd3's exports in its types; require it by path, as etcd3 itself does.
  const { WatchManager } = createRequire(import.meta.url)('etcd3/lib/watch.js') as {
    WatchManager: { prototype: WatchManagerInternals };
  };
  const proto = WatchManager.prototype;
  const handleResponse = proto.handleResponse;
  proto.handleResponse = function (this: WatchManagerInternals, res: WatchResponse) {
    if (!this.watchers.some((watcher) => watcher.id === res.watch_id)) {
      log.debug('dropping a watch response for a watcher that is gone', { watch_id: String(res.watch_id) });
      return;
    }
    handleResponse.call(this, res);
  };
  const handleCreatedResponse = proto.handleCreatedResponse;
  proto.handleCreatedResponse = function (this: WatchManagerInternals, res: WatchResponse) {
    if (res.canceled && !this.watchers.some((watcher) => watcher.id === null)) {
      log.debug('dropping a cancelled watch creation with no watcher waiting for it');
      return;
    }
    handleCreatedResponse.call(this, res);
  };
}
