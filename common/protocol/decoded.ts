/** The outcome of decoding a value from the wire: a value, or why it was refused. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

export const accept = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const refuse = <T = never>(error: string): Decoded<T> => ({ ok: false, error });

/** JSON.parse that reports instead of throwing, so codecs can refuse malformed values uniformly. */
export function parseJson(raw: string): Decoded<unknown> {
  try {
    return accept(JSON.parse(raw) as unknown);
  } catch (error) {
    return refuse(`not valid JSON (${(error as Error).message})`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
