import { accept, parseJson, refuse, type Decoded } from '../decoded.ts';

/** `/<id>:change_photo` — a command, acted on per write (every put is one step). */
export type ChangePhoto = 'next' | 'back';

export function decodeChangePhoto(raw: string): Decoded<ChangePhoto> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (typeof value !== 'string') return refuse('change_photo must be a JSON string: "next" or "back"');
  if (value === 'next') return accept('next');
  // The original viewer treated any value starting with "back" as previous.
  if (value.startsWith('back')) return accept('back');
  return refuse(`change_photo "${value}" is neither "next" nor "back"`);
}

export function encodeChangePhoto(command: ChangePhoto): string {
  return JSON.stringify(command);
}
