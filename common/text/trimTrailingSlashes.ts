/**
 * `text` without its trailing slashes. A loop rather than `/\/+$/`: that
 * regex restarts at every slash of a long run not at the end, which is
 * quadratic on input a user or a remote writer controls.
 */
export function trimTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end--;
  return text.slice(0, end);
}
