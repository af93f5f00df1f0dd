/**
 * What a log message says once the values in it are masked: quoted text and
 * any word holding a digit (counts, ids, hashes, ports). Lines that differ
 * only in their values share a template, so a limiter can count them as one
 * source: ten thousand malformed values are one noisy source, not ten
 * thousand. Linear in the message, which is already bounded by the caller.
 */
export function messageTemplate(message: string): string {
  return message.replace(/"[^"]*"|'[^']*'/g, '"…"').replace(/[^\s"'`,;()[\]{}]*\d[^\s"'`,;()[\]{}]*/g, '#');
}
