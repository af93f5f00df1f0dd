/**
 * Which photos one display may fetch: those in its current `/<id>:images`
 * list, and for a short grace period those of the list it had before, so a
 * download started just before the console changed the list still completes
 * (the viewer fetches one ahead, and a change lands between its fetches).
 * Pure: the time comes from the caller.
 */
export const LIST_GRACE_MS = 60_000;

export class PhotoAllowance {
  private current: ReadonlySet<string> = new Set();
  private previous: ReadonlySet<string> = new Set();
  private previousUntilMs = 0;

  constructor(private readonly graceMs: number = LIST_GRACE_MS) {}

  /** The display's list changed (or was deleted: an empty list) at `nowMs`. */
  replaceList(names: readonly string[], nowMs: number): void {
    const next = new Set(names);
    if (sameSet(next, this.current)) return;
    this.previous = this.current;
    this.previousUntilMs = nowMs + this.graceMs;
    this.current = next;
  }

  /** Whether `name` may be served now; `'previous'` when only the grace period allows it. */
  allows(name: string, nowMs: number): 'current' | 'previous' | false {
    if (this.current.has(name)) return 'current';
    if (nowMs < this.previousUntilMs && this.previous.has(name)) return 'previous';
    return false;
  }

  get size(): number {
    return this.current.size;
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}
