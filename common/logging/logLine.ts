/**
 * One log record as one short, printable line. Values come from the network
 * (etcd values, HTTP bodies) and may be megabytes of binary, so every part is
 * cut before it is escaped, and the line as a whole is capped.
 */
export const MAX_LINE_CHARS = 300;
export const MAX_MESSAGE_CHARS = 200;
export const MAX_FIELD_CHARS = 80;

// C0 and C1 controls, DEL, line/paragraph separators, U+FFFD (what undecodable bytes become) and lone surrogates.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(char: string): string {
  const code = char.charCodeAt(0);
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * At most `max` characters of `text`, with unprintable characters escaped and
 * a note of how much was left out. Slicing comes first, so a 2 MB value costs
 * no more than a short one.
 */
export function excerpt(text: string, max: number): string {
  const head = text.slice(0, max).replace(UNPRINTABLE, escapeChar);
  const cut = head.length > max ? head.slice(0, max).replace(/\\[a-z0-9]{0,4}$/i, '') : head;
  const omitted = text.length - Math.min(text.length, max);
  return omitted > 0 || cut.length < head.length ? `${cut}…(${text.length} chars)` : cut;
}

/** A field value in a line: strings quoted, errors by message, structures only by their shape (never walked). */
export function describeValue(value: unknown): string {
  // Quoted, with inner quotes escaped, so a value cannot pass for another field.
  const quoted = (text: string) => `"${excerpt(text, MAX_FIELD_CHARS).replace(/"/g, '\\"')}"`;
  if (typeof value === 'string') return quoted(value);
  if (value instanceof Error) return quoted(value.message);
  if (Array.isArray(value)) return `[array of ${value.length}]`;
  if (typeof value === 'object' && value !== null) return '[object]';
  return excerpt(String(value), MAX_FIELD_CHARS);
}

export function formatLine(
  time: Date,
  level: string,
  component: string,
  message: string,
  fields: Record<string, unknown> | undefined,
): string {
  let line = `${time.toISOString()} ${level.padEnd(5)} [${component}] ${excerpt(message, MAX_MESSAGE_CHARS)}`;
  for (const [key, value] of Object.entries(fields ?? {})) {
    line += ` ${excerpt(key, 40)}=${describeValue(value)}`;
    if (line.length >= MAX_LINE_CHARS) break;
  }
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line;
}
