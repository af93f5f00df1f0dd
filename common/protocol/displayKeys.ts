/**
 * Keys of the form `/<displayId>:<topic>`, the wire format of the original
 * system. A viewer watches the prefix `/<displayId>:`.
 */

/**
 * Every topic a display has. The first seven are the original system's; new
 * topics are added alongside, never renamed. What each means is in
 * topicRegistry.ts.
 */
export const DISPLAY_TOPICS = [
  'images',
  'settings',
  'change_photo',
  'power_state',
  'reboot',
  'restart_screen',
  'current_display',
  'paused',
  'album',
  'images_manifest',
  'group_clock',
] as const;
export type DisplayTopic = (typeof DISPLAY_TOPICS)[number];

// Ids are UUIDs in practice; the pattern keeps `:` and `/` out so keys parse unambiguously.
const DISPLAY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function isDisplayId(value: string): boolean {
  return DISPLAY_ID_PATTERN.test(value);
}

export function assertDisplayId(value: string): string {
  if (!isDisplayId(value)) {
    throw new Error(`invalid display id "${value}": use letters, digits, '.', '_' or '-' (at most 128)`);
  }
  return value;
}

export function displayPrefix(displayId: string): string {
  return `/${assertDisplayId(displayId)}:`;
}

export function displayKey(displayId: string, topic: DisplayTopic): string {
  return `${displayPrefix(displayId)}${topic}`;
}

export interface ParsedDisplayKey {
  displayId: string;
  /** Kept as a string: a newer console may write topics this viewer does not know yet. */
  topic: string;
}

export function parseDisplayKey(key: string): ParsedDisplayKey | null {
  if (!key.startsWith('/')) return null;
  const colon = key.indexOf(':');
  if (colon < 0) return null;
  const displayId = key.slice(1, colon);
  const topic = key.slice(colon + 1);
  if (!isDisplayId(displayId) || topic.length === 0) return null;
  return { displayId, topic };
}

export function isDisplayTopic(topic: string): topic is DisplayTopic {
  return (DISPLAY_TOPICS as readonly string[]).includes(topic);
}
