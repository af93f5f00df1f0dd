/**
 * The outcome of decoding a value from the wire: a value, or why it was
 * refused. An accepted value may carry notes on parts that were left out
 * (a settings field that meant nothing, an unusable image name), for the log.
 */
export type Decoded<T> = { ok: true; value: T; notes?: string[] } | { ok: false; error: string };

export const accept = <T>(value: T, notes?: string[]): Decoded<T> => (notes && notes.length > 0 ? { ok: true, value, notes } : { ok: true, value });
export const refuse = <T = never>(error: string): Decoded<T> => ({ ok: false, error });

/** JSON.parse that reports instead of throwing, so codecs can refuse malformed values uniformly. */
export function parseJson(raw: string): Decoded<unknown> {
  try {
    return accept(JSON.parse(raw) as unknown);
  } catch (error) {
    return refuse(`not valid JSON (${(error as Error).message.slice(0, 80)})`);
  }
}

/**
 * JSON, or a single plain word typed without quotes (`etcdctl put /id:power_state off`),
 * read as that string. Anything else that is not JSON (a truncated value, an
 * empty one) is refused, as the original viewer drops it.
 */
export function parseJsonOrWord(raw: string): Decoded<unknown> {
  const parsed = parseJson(raw);
  if (parsed.ok || !/^\s*[A-Za-z]+\s*$/.test(raw)) return parsed;
  return accept(raw.trim());
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const EXCERPT_CHARS = 40;

/**
 * A short description of a wire value for an error message. It never
 * recurses or serialises a whole value: a hostile value may be nested
 * thousands deep or megabytes long, and describing it must not crash or flood.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const excerpt = JSON.stringify(value.slice(0, EXCERPT_CHARS));
    return value.length > EXCERPT_CHARS ? `${excerpt.slice(0, -1)}…" (${value.length} characters)` : excerpt;
  }
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** Thrown by a strict encoder given a value it must not put on the wire: a bug or bad input upstream. */
export class ProtocolEncodeError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`cannot encode ${key}: ${reason}`);
    this.name = 'ProtocolEncodeError';
  }
}
