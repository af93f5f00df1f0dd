import { Etcd3, GRPCDeadlineExceededError, isRecoverableError, type IOptions } from 'etcd3';
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
    defaultCallOptions: (context) =>
      context.isStream
        ? context.service === 'Watch' && endpoints.length > 1
          ? { interceptors: [requireLeader] }
          : {}
        : { deadline: Date.now() + attemptTimeoutMs(endpoints, callTimeoutMs) },
    ...clusterFaultHandling(endpoints),
    // gRPC's default 4 MiB answer limit is less than a page of large values (pagedRange.ts) or a watch
    // response carrying one big transaction; etcd itself bounds each value by --max-request-bytes.
    grpcOptions: { 'grpc.max_receive_message_length': -1 },
    // The client certificate's common name is the etcd user: no password or token to expire.
    ...(identity ? { credentials: { rootCertificate: identity.ca, certChain: identity.cert, privateKey: identity.key } } : {}),
  });
}

// etcd3's own policies are built with its copy of cockatiel; ours must be the same library.
const cockatiel = createRequire(createRequire(import.meta.url).resolve('etcd3'))('cockatiel') as typeof import('cockatiel');

// etcd3's grpc-js, which makes the calls these options go with.
const grpc = createRequire(createRequire(import.meta.url).resolve('etcd3'))('@grpc/grpc-js') as typeof import('@grpc/grpc-js');

/**
 * A member cut off from the others keeps its watch streams open but has
 * nothing to send on them: a display watching through it would wait for the
 * partition to heal although the other members are reachable. etcd closes a
 * stream that asked for a leader ("hasleader") once its member has had none
 * for three election timeouts; the watch then re-attaches, from its last
 * revision, on a member that has one.
 */
const requireLeader: import('@grpc/grpc-js').Interceptor = (options, nextCall) =>
  new grpc.InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      metadata.set('hasleader', 'true');
      next(metadata, listener);
    },
  });

const ATTEMPTS = 3;
// Retries of a failed call, backed off 0.25, 0.5, 1, then 2 s: about 10 s in all, past an election (about 1.1 s
// here, longer under load) and two of a member's rests after a failure (MEMBER_REST_MS), in which a retry
// can be spent on a dead member that is tried again.
const RETRIES = 7;

/**
 * With several members, a call's time is split over 3 attempts. A write sent
 * just as the leader dies is forwarded to it and dropped, and the member it
 * went to answers only at etcd's own request timeout (7 s): on one attempt it
 * used the whole deadline although a new leader is elected within about 1 s.
 * The next attempt goes to the new leader. Puts write whole values and the
 * console's transactions compare revisions, so trying one again is safe.
 */
function attemptTimeoutMs(endpoints: readonly string[], callTimeoutMs: number): number {
  return endpoints.length < 2 ? callTimeoutMs : Math.max(1000, Math.ceil(callTimeoutMs / ATTEMPTS));
}

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
  const { circuitBreaker, handleWhen, retry, BrokenCircuitError, ConsecutiveBreaker, ExponentialBackoff } = cockatiel;
  return {
    faultHandling: {
      // A deadline is retried too: see attemptTimeoutMs.
      // Backed off, not at once: "leader changed" comes back within milliseconds while the election
      // takes a second or more (more on a loaded machine), and three immediate tries all fell inside it.
      // A broken circuit is tried again too: the live members that answered "leader changed" are left
      // out for MEMBER_REST_MS, and with the dead one that is every member; the backoff outlasts the rest.
      global: retry(handleWhen((error) => isRecoverableError(error) || error instanceof GRPCDeadlineExceededError || error instanceof BrokenCircuitError), {
        maxAttempts: RETRIES,
        backoff: new ExponentialBackoff({ initialDelay: 250, maxDelay: 2000 }),
      }),
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
