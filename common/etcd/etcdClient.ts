import { Etcd3 } from 'etcd3';
import type { EtcdTarget } from '../config.ts';
import { createLogger } from '../log.ts';
import { loadTlsMaterial, type TlsMaterial } from '../tls/tlsMaterial.ts';
import { UserError, reasonOf } from '../userError.ts';
import { diagnoseEtcdConnection } from './connectionDiagnosis.ts';
import { formatInt64sNatively } from './int64Strings.ts';
import { guardWatchStream } from './watchStreamGuard.ts';

const log = createLogger('etcd');

/**
 * The one place an etcd client is made, so every process gets the same
 * timeouts, the same TLS handling and the same "cannot reach etcd" message.
 */
export interface EtcdClientOptions {
  /** Short-lived CLI commands want a fast, clear failure; daemons keep retrying. */
  callTimeoutMs?: number;
  /** Said after the fix in a connection error ("renew it with …"); who holds the certificate knows best. */
  certificateFix?: string;
}

/** A bare endpoint list is a plain etcd (the tests' and the original system's); TLS needs a target. */
export function etcdTargetOf(target: EtcdTarget | string[]): EtcdTarget {
  return Array.isArray(target) ? { endpoints: target, tls: null } : target;
}

export function createEtcdClient(target: EtcdTarget | string[], options: EtcdClientOptions = {}, material?: TlsMaterial | null): Etcd3 {
  const { endpoints, tls } = etcdTargetOf(target);
  const callTimeoutMs = options.callTimeoutMs ?? 5000;
  guardWatchStream();
  formatInt64sNatively();
  const identity = material ?? (tls ? loadTlsMaterial(tls) : null);
  return new Etcd3({
    hosts: endpoints,
    dialTimeout: Math.min(callTimeoutMs, 3000),
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    // gRPC's default 4 MiB answer limit is less than a page of large values (pagedRange.ts) or a watch
    // response carrying one big transaction; etcd itself bounds each value by --max-request-bytes.
    grpcOptions: { 'grpc.max_receive_message_length': -1 },
    // The client certificate's common name is the etcd user: no password or token to expire.
    ...(identity ? { credentials: { rootCertificate: identity.ca, certChain: identity.cert, privateKey: identity.key } } : {}),
  });
}

export class EtcdUnreachableError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'EtcdUnreachableError';
  }
}

export function unreachableEtcd(endpoints: string[], error: unknown): UserError {
  const message = reasonOf(error);
  // grpc's messages run long; the socket error inside them is what a person can act on.
  const socketError = /\b(?:connect )?(?:ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ECONNRESET)(?: [^\s;,]*[^\s;,.])?/.exec(message);
  const reason = socketError ? socketError[0].trim() : /deadline/i.test(message) ? 'no answer in time' : message.split('\n')[0];
  return new EtcdUnreachableError(
    `cannot reach etcd at ${endpoints.join(',')} (${reason}); start one with \`make etcd\` or point --etcd / PHOTOFRAME_ETCD at yours`,
  );
}

let warnedPlain = false;

/** Opens a client and proves the cluster answers, or throws a UserError saying why, in one line. */
export async function connectEtcd(target: EtcdTarget | string[], options: EtcdClientOptions = {}): Promise<Etcd3> {
  const resolved = etcdTargetOf(target);
  const material = resolved.tls ? loadTlsMaterial(resolved.tls) : null;
  if (!material && !warnedPlain) {
    warnedPlain = true;
    log.warn(`etcd at ${resolved.endpoints.join(',')} is plain HTTP: anyone who can reach it can drive every display`);
  }
  const client = createEtcdClient(resolved, options, material);
  try {
    await client.maintenance.status();
  } catch (error) {
    client.close();
    // grpc reports a TLS failure as "unavailable"; a handshake of our own names the cause.
    const diagnosis = await diagnoseEtcdConnection(resolved.endpoints, material, options.certificateFix);
    throw diagnosis ?? unreachableEtcd(resolved.endpoints, error);
  }
  return client;
}
