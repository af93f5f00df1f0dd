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
