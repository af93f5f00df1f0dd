/**
 * Who may still be trying to log in. Unauthenticated clients cost a socket and
 * a handshake each and have proved nothing, so their number is capped overall
 * and per address, they get a deadline, and they get a few tries only.
 */
export interface LoginLimits {
  /** Time from connect to a completed login before the connection is ended. */
  authTimeoutMs: number;
  maxUnauthenticated: number;
  maxUnauthenticatedPerIp: number;
  /** Refused signed attempts (or refusals of any other kind) before the connection is ended. */
  maxAuthFailures: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { authTimeoutMs: 30_000, maxUnauthenticated: 64, maxUnauthenticatedPerIp: 8, maxAuthFailures: 6 };

/** Counts of pending logins, overall and by address: admit() says whether one more may try. */
export class PendingLogins {
  private total = 0;
  private readonly byIp = new Map<string, number>();

  constructor(private readonly limits: Pick<LoginLimits, 'maxUnauthenticated' | 'maxUnauthenticatedPerIp'>) {}

  /** Reserves a place for `ip`; the returned release (idempotent) gives it back, or null when full. */
  admit(ip: string): (() => void) | null {
    const fromIp = this.byIp.get(ip) ?? 0;
    if (this.total >= this.limits.maxUnauthenticated || fromIp >= this.limits.maxUnauthenticatedPerIp) return null;
    this.total += 1;
    this.byIp.set(ip, fromIp + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byIp.get(ip) ?? 1) - 1;
      if (left > 0) this.byIp.set(ip, left);
      else this.byIp.delete(ip);
    };
  }
}
