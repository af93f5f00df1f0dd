import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import { createRequire } from 'node:module';
import type { EtcdTarget } from '../config.ts';
import { createLogger } from '../log.ts';
import { loadTlsMaterial, type TlsMaterial } from '../tls/tlsMaterial.ts';
import { UserError, reasonOf } from '../userError.ts';
import { diagnoseEtcdConnection } from './connectionDiagnosis.ts';
import { formatInt64sNatively } from './int64Strings.ts';
import { guardWatchStream } from './watchStreamGuard.ts';
import { resumeWatchesFromDelivered } from './watchResume.ts';

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
  resumeWatchesFromDelivered();
  formatInt64sNatively();
  const identity = material ?? (tls ? loadTlsMaterial(tls) : null);
  return new Etcd3({
    hosts: endpoints,
    dialTimeout: Math.min(callTimeoutMs, 3000),
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    ...clusterFaultHandling(endpoints),
    // The client certificate's common name is the etcd user: no password or token to expire.
    ...(identity ? { credentials: { rootCertificate: identity.ca, certChain: identity.cert, privateKey: identity.key } } : {}),
  });
}

// etcd3's own policies are built with its copy of cockatiel; ours must be the same library.
const cockatiel = createRequire(createRequire(import.meta.url).resolve('etcd3'))('cockatiel') as typeof import('cockatiel');

/** How long a member that failed is left out before one call tries it again. */
const MEMBER_REST_MS = 3000;

/**
 * With several members, a member that fails is skipped at once. etcd3's
 * default breaker opens after 3 consecutive failures, but a watch stream
 * counts as a success when it is opened and as a failure only when it then
 * breaks, so on a dead member the count never reaches 3: every watch
 * reconnect that picked it (a third of them, with 3 members) went back to it.
 * Opening on the first failure makes the next pick another member. Watch
 * reconnects also back off to at most 5 s, not 30, while another member is
 * there to take them. A single etcd keeps etcd3's defaults: there is no
 * other member to turn to.
 */
function clusterFaultHandling(endpoints: readonly string[]): Pick<IOptions, 'faultHandling'> {
  if (endpoints.length < 2) return {};
  const { circuitBreaker, handleWhen, ConsecutiveBreaker, ExponentialBackoff } = cockatiel;
  return {
    faultHandling: {
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: MEMBER_REST_MS, breaker: new ConsecutiveBreaker(1) }),
      // etcd3 types the backoff as the object next() returns; the watch manager calls next() first, as with its default.
      watchBackoff: new ExponentialBackoff({ initialDelay: 128, maxDelay: 5000 }) as unknown as NonNullable<IOptions['faultHandling']>['watchBackoff'],
    },
  };
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
