import { accept, describeValue, parseJson, refuse, type Decoded } from '../decoded.ts';

/** `/<id>:change_photo` — a command, acted on per write (every put is one step). */
export type ChangePhoto = 'forward' | 'back';

/**
 * As the original viewer reads it: a string whose first four characters are
 * `back` goes back, any other string goes forward ("forward", "next", …).
 * A value that is not JSON is refused, as the original drops it: a truncated
 * write must not move the slideshow.
 */
export function decodeChangePhoto(raw: string): Decoded<ChangePhoto> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (typeof value !== 'string') return refuse(`change_photo must be a string such as "forward" or "back", got ${describeValue(value)}`);
  return accept(value.startsWith('back') ? 'back' : 'forward');
}

/** The original server's words, which every viewer reads. */
export function encodeChangePhoto(command: ChangePhoto): string {
  return JSON.stringify(command);
}
