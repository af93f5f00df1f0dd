import { UserError } from '../../common/userError.ts';
import type { Size } from '../../viewer/layout.ts';
import { trimTrailingSlashes } from '../../common/text/trimTrailingSlashes.ts';

/** `--windowed 1280x720` */
export function parseWindowSize(text: string, option: string): Size {
  const match = /^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$/.exec(text);
  if (!match) throw new UserError(`${option} "${text}" is not a size: use WIDTHxHEIGHT, e.g. 1280x720`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** A `--name N` port option: the default when absent, a specific error when it is not a port. */
export function portOption(values: Record<string, unknown>, name: string, fallback: number): number {
  const text = stringOption(values, name);
  return text === undefined ? fallback : parsePort(text, `--${name}`);
}

export function parsePort(text: string, option: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UserError(`${option} "${text}" is not a port: use a whole number from 1 to 65535`);
  }
  return Number(text);
}

/** `key=value` words, in order; a word without `=` is an error naming it. */
export function parseAssignments(words: readonly string[], what: string): [string, string][] {
  return words.map((word) => {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new UserError(`"${word}" is not key=value; ${what}`);
    return [word.slice(0, eq), word.slice(eq + 1)];
  });
}

export function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** An http(s) URL option such as `--download-url`, without a trailing slash. */
export function parseHttpUrl(text: string, option: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`${option} "${text}" is not a URL: use e.g. http://server:8000/static/images`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`${option} "${text}" must start with http:// or https://`);
  }
  return trimTrailingSlashes(text);
}
