import { UserError } from '../userError.ts';

/**
 * What one etcd request may hold, as the cluster is configured: etcd refuses
 * a transaction of more than `--max-txn-ops` operations ("too many operations
 * in txn request") and a request over `--max-request-bytes`. A writer that
 * batches must stay inside both, so they are set where etcd's are: an etcd
 * run with other values is matched with PHOTOFRAME_ETCD_MAX_TXN_OPS and
 * PHOTOFRAME_ETCD_MAX_REQUEST_BYTES.
 */
export interface EtcdWriteLimits {
  maxTxnOps: number;
  maxRequestBytes: number;
}

/** etcd 3.4's defaults. */
export const ETCD_DEFAULT_WRITE_LIMITS: EtcdWriteLimits = { maxTxnOps: 128, maxRequestBytes: 1.5 * 1024 * 1024 };

export const MAX_TXN_OPS_VARIABLE = 'PHOTOFRAME_ETCD_MAX_TXN_OPS';
export const MAX_REQUEST_BYTES_VARIABLE = 'PHOTOFRAME_ETCD_MAX_REQUEST_BYTES';

export function etcdWriteLimitsFromEnv(env: NodeJS.ProcessEnv): EtcdWriteLimits {
  return {
    maxTxnOps: positiveInteger(env, MAX_TXN_OPS_VARIABLE, ETCD_DEFAULT_WRITE_LIMITS.maxTxnOps, 1),
    // Below 4 KiB not even one display's keys with the request's own framing would fit.
    maxRequestBytes: positiveInteger(env, MAX_REQUEST_BYTES_VARIABLE, ETCD_DEFAULT_WRITE_LIMITS.maxRequestBytes, 4096),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, variable: string, fallback: number, least: number): number {
  const text = env[variable];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < least) {
    throw new UserError(`${variable} must be a whole number of at least ${least} (as etcd's own flag is set), got "${text.slice(0, 40)}"`);
  }
  return value;
}
