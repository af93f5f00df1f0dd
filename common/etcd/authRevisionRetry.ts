import { GRPCInvalidArgumentError } from 'etcd3';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * etcd stamps each request with its auth store's revision when the request
 * arrives, and refuses a key-value request (put, delete, txn, range, watch)
 * whose stamp is older than the revision when it is applied: any user, role
 * or grant change applied in between makes it fail with "revision of auth
 * store is old". Enrolling displays changes the auth store thousands of
 * times, so every client's requests meanwhile can meet it; on a cluster, a
 * request sent right after an auth change to a member that has not applied
 * it yet meets it too. etcd's own Go client sends such a request again.
 *
 * etcd 3.4 sends it as gRPC INVALID_ARGUMENT with no detail but its text,
 * and etcd3 types that code as GRPCInvalidArgumentError. Its other
 * INVALID_ARGUMENT answers are for malformed requests (empty key, too many
 * operations, duplicate keys, empty user or role name, no permission given):
 * the callers below send only well-formed ones, so for them the type is that
 * error. Should a malformed one slip through, it fails the same way each
 * time and is surfaced after the few tries.
 */
export function isStaleAuthRevision(error: unknown): boolean {
  return error instanceof GRPCInvalidArgumentError;
}

export interface StaleAuthRetryOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  /** Told of each retry, e.g. to count them. */
  retried?: () => void;
}

/** Runs `call`, again (backed off 5, 10, 20 … ms) when etcd says its auth revision moved under it. */
export async function retryStaleAuthRevision<T>(call: () => Promise<T>, options: StaleAuthRetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isStaleAuthRevision(error)) throw error;
      options.retried?.();
      // A change in flight is applied within a disk sync; a little jitter keeps a pipeline's retries apart.
      await sleep(5 * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
  }
}
