/**
 * Keys that belong to the installation rather than to one display. They live
 * under `/photoframe/`, which can never collide with a display prefix
 * (`/<id>:`) because display ids cannot contain `/`.
 */
import { assertDisplayId } from './displayKeys.ts';

export const IMAGE_SERVER_KEY = '/photoframe/image_server';
export const ANNOUNCE_PREFIX = '/photoframe/displays/';
export const ONLINE_PREFIX = '/photoframe/online/';
export const STATUS_PREFIX = '/photoframe/status/';

export function announceKey(displayId: string): string {
  return `${ANNOUNCE_PREFIX}${assertDisplayId(displayId)}`;
}

export function onlineKey(displayId: string): string {
  return `${ONLINE_PREFIX}${assertDisplayId(displayId)}`;
}

export function displayIdFromAnnounceKey(key: string): string | null {
  return key.startsWith(ANNOUNCE_PREFIX) ? key.slice(ANNOUNCE_PREFIX.length) : null;
}

export function displayIdFromOnlineKey(key: string): string | null {
  return key.startsWith(ONLINE_PREFIX) ? key.slice(ONLINE_PREFIX.length) : null;
}

export function statusKey(displayId: string): string {
  return `${STATUS_PREFIX}${assertDisplayId(displayId)}`;
}

export function displayIdFromStatusKey(key: string): string | null {
  return key.startsWith(STATUS_PREFIX) ? key.slice(STATUS_PREFIX.length) : null;
}

/**
 * Where a display whose etcd role forbids the original's `/R:` answers a
 * `current_display` request R: `/photoframe/answers/<id>/<R>`, a prefix its
 * role may write. The console waits on both places.
 */
export const ANSWERS_PREFIX = '/photoframe/answers/';

export function answersPrefix(displayId: string): string {
  return `${ANSWERS_PREFIX}${assertDisplayId(displayId)}/`;
}

export function displayAnswerKey(displayId: string, requestId: string): string {
  return `${answersPrefix(displayId)}${assertDisplayId(requestId)}`;
}

/**
 * Revoked displays, one key each, written by `display revoke` and watched by
 * the image server so a revocation made by any console process refuses the
 * display at once. Readable by the console's identity only.
 */
export const REVOKED_PREFIX = '/photoframe/revoked/';

export function revokedKey(displayId: string): string {
  return `${REVOKED_PREFIX}${assertDisplayId(displayId)}`;
}

export function displayIdFromRevokedKey(key: string): string | null {
  return key.startsWith(REVOKED_PREFIX) ? key.slice(REVOKED_PREFIX.length) : null;
}
