import { Etcd3 } from 'etcd3';
import { UserError, reasonOf } from '../userError.ts';
import { formatInt64sNatively } from './int64Strings.ts';
import { guardWatchStream } from './watchStreamGuard.ts';

/**
 * The one place an etcd client is made, so every process gets the same
 * timeouts and the same "cannot reach etcd" message.
 */
export interface EtcdClientOptions {
  /** Short-lived CLI commands want a fast, clear failure; daemons keep retrying. */
  callTimeoutMs?: number;
}

export function createEtcdClient(endpoints: string[], options: EtcdClientOptions = {}): Etcd3 {
  const callTimeoutMs = options.callTimeoutMs ?? 5000;
  guardWatchStream();
  formatInt64sNatively();
  return new Etcd3({
    hosts: endpoints,
    dialTimeout: Math.min(callTimeoutMs, 3000),
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
  });
}

export function unreachableEtcd(endpoints: string[], error: unknown): UserError {
  const message = reasonOf(error);
  // grpc's messages run long; the socket error inside them is what a person can act on.
  const socketError = /\b(?:connect )?(?:ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ECONNRESET)(?: [^\s;,]*[^\s;,.])?/.exec(message);
  const reason = socketError ? socketError[0].trim() : /deadline/i.test(message) ? 'no answer in time' : message.split('\n')[0];
  return new UserError(
    `cannot reach etcd at ${endpoints.join(',')} (${reason}); start one with \`make etcd\` or point --etcd / PHOTOFRAME_ETCD at yours`,
  );
}

/** Opens a client and proves the cluster answers, or throws a UserError saying so. */
export async function connectEtcd(endpoints: string[], options: EtcdClientOptions = {}): Promise<Etcd3> {
  const client = createEtcdClient(endpoints, options);
  try {
    await client.maintenance.status();
  } catch (error) {
    client.close();
    throw unreachableEtcd(endpoints, error);
  }
  return client;
}
