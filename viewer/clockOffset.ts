import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TlsMaterial } from '../common/tls/tlsMaterial.ts';

/** One look at etcd's clock: the local times a request left and its answer came, and the answer's Date header. */
export interface ClockSample {
  sentAt: number;
  receivedAt: number;
  /** The server's time, truncated to the second by HTTP's Date header. */
  serverSecond: number;
}

/** How far this clock is behind etcd's (positive: etcd is ahead), and how sure that is (±). */
export interface ClockOffset {
  offsetMs: number;
  errorMs: number;
}

/**
 * The offset every sample allows, intersected: the server stamped its answer
 * at some local time between sending and receiving, and its Date header
 * drops the milliseconds, so each sample bounds the offset to an interval.
 * Samples taken a little apart catch a second turning over and narrow the
 * interval to about the spacing plus the round trip.
 */
export function estimateClockOffset(samples: readonly ClockSample[]): ClockOffset | null {
  if (samples.length === 0) return null;
  let low = -Infinity;
  let high = Infinity;
  for (const { sentAt, receivedAt, serverSecond } of samples) {
    low = Math.max(low, serverSecond - receivedAt);
    high = Math.min(high, serverSecond + 1000 - sentAt);
  }
  // Contradictory samples (a clock stepped meanwhile): no answer rather than a wrong one.
  if (low > high) return null;
  return { offsetMs: Math.round((low + high) / 2), errorMs: Math.round((high - low) / 2) };
}

/** What a measurement aims for: a group's members flip within a few ms of each other only if each knows etcd's time that well. */
export const TARGET_ERROR_MS = 2;
const COARSE_SAMPLES = 12;
const COARSE_SPACING_MS = 90;
const COARSE_ENOUGH_MS = 60;
const REFINE_ROUNDS = 6;
const PROBES_PER_ROUND = 7;

/**
 * When to send the probes of a refining round: spread across the local times
 * at which etcd's next second may turn, given the offset's bounds, so one
 * probe lands each side of the turn and the pair's sample cuts the interval
 * to about the probes' spacing plus a round trip. Pure: `nowMs` and the
 * bounds in, local send times out.
 */
export function probeTimes(estimate: ClockOffset, nowMs: number, probes = PROBES_PER_ROUND, roundTripMs = 0): number[] {
  const low = estimate.offsetMs - estimate.errorMs;
  const high = estimate.offsetMs + estimate.errorMs;
  // The next whole second of etcd's time that is at least 100 ms ahead, so the first probe is not already late.
  const boundary = Math.ceil((nowMs + high + 100 + roundTripMs) / 1000) * 1000;
  // etcd's second turns at local time boundary − offset; a probe stamped at the turn left half a round trip before.
  const first = boundary - high - roundTripMs;
  const last = boundary - low;
  return Array.from({ length: probes }, (_, i) => Math.round(first + ((last - first) * i) / Math.max(1, probes - 1)));
}

interface Sampler {
  sample(): Promise<ClockSample>;
  close(): void;
}

function sampler(endpoint: string, tls: TlsMaterial | null): Sampler {
  const url = new URL('/version', endpoint);
  const secure = url.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  // One kept-alive connection: after the first request a sample costs one round trip, not a TCP and TLS handshake
  // (whose time would widen every bound). An etcd with client-certificate auth needs the display's own certificate.
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  return {
    sample: () =>
      new Promise((resolve, reject) => {
        const req = request(url, { method: 'GET', timeout: 5000, agent }, (response) => {
          const receivedAt = Date.now();
          response.resume();
          const date = Date.parse(response.headers.date ?? '');
          if (Number.isNaN(date)) reject(new Error(`${url.origin} sent no Date header`));
          else resolve({ sentAt, receivedAt, serverSecond: date });
        });
        let sentAt = Date.now();
        // The request leaves when the socket is there (at once on a kept-alive one); that is when it is sent.
        req.on('socket', (socket) => {
          if (socket.connecting) socket.once(secure ? 'secureConnect' : 'connect', () => (sentAt = Date.now()));
        });
        req.on('timeout', () => req.destroy(new Error(`${url.origin} did not answer within 5 s`)));
        req.on('error', reject);
        req.end();
      }),
    close: () => agent.destroy(),
  };
}

/**
 * Measures the offset against etcd's own clock from its HTTP Date header:
 * first up to 12 requests 90 ms apart, until the bound is within ±60 ms;
 * then rounds of probes spread across the instant etcd's second turns (see
 * probeTimes), each round narrowing the bound several times, until it is
 * within ±2 ms or six rounds are done (`coarse` hears the first estimate
 * meanwhile). On one kept-alive connection a measurement costs about 20 to
 * 40 small requests over 2 to 7 s.
 */
export async function measureClockOffset(endpoint: string, tls: TlsMaterial | null = null, coarse?: (estimate: ClockOffset) => void): Promise<ClockOffset | null> {
  const source = sampler(endpoint, tls);
  try {
    const samples: ClockSample[] = [];
    let estimate: ClockOffset | null = null;
    for (let i = 0; i < COARSE_SAMPLES; i++) {
      samples.push(await source.sample());
      estimate = estimateClockOffset(samples);
      if (estimate === null) return null;
      if (estimate.errorMs <= COARSE_ENOUGH_MS) break;
      await sleep(COARSE_SPACING_MS);
    }
    // Good to a few tens of ms already, in about a second: worth reporting while the rounds narrow it.
    if (estimate !== null && estimate.errorMs > TARGET_ERROR_MS) coarse?.(estimate);
    for (let round = 0; round < REFINE_ROUNDS && estimate !== null && estimate.errorMs > TARGET_ERROR_MS; round++) {
      const roundTrip = Math.min(...samples.slice(1).map((s) => s.receivedAt - s.sentAt), 50);
      for (const at of probeTimes(estimate, Date.now(), PROBES_PER_ROUND, roundTrip)) {
        const wait = at - Date.now();
        if (wait > 0) await sleep(wait);
        samples.push(await source.sample());
      }
      estimate = estimateClockOffset(samples);
    }
    return estimate;
  } finally {
    source.close();
  }
}

/**
 * The offset against the first member that answers: on a cluster with a
 * member down the clock is still measured. Members on separate hosts keep
 * their clocks by NTP, so any one of them stands for etcd's.
 */
export async function measureClockOffsetOnAny(endpoints: readonly string[], tls: TlsMaterial | null = null, coarse?: (estimate: ClockOffset) => void): Promise<ClockOffset | null> {
  let failure: unknown = new Error('no etcd endpoint to measure the clock against');
  for (const endpoint of endpoints) {
    try {
      return await measureClockOffset(endpoint, tls, coarse);
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}
