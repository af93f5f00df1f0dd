import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

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

function sampleOnce(endpoint: string): Promise<ClockSample> {
  const url = new URL('/version', endpoint);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const sentAt = Date.now();
    const req = request(url, { method: 'GET', timeout: 5000, agent: false }, (response) => {
      const receivedAt = Date.now();
      response.resume();
      const date = Date.parse(response.headers.date ?? '');
      if (Number.isNaN(date)) reject(new Error(`${url.origin} sent no Date header`));
      else resolve({ sentAt, receivedAt, serverSecond: date });
    });
    req.on('timeout', () => req.destroy(new Error(`${url.origin} did not answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Measures the offset against etcd's own clock from its HTTP Date header:
 * up to 12 requests 90 ms apart, stopping once the bound is within ±60 ms.
 */
export async function measureClockOffset(endpoint: string): Promise<ClockOffset | null> {
  const samples: ClockSample[] = [];
  for (let i = 0; i < 12; i++) {
    samples.push(await sampleOnce(endpoint));
    const estimate = estimateClockOffset(samples);
    if (estimate === null) return null;
    if (estimate.errorMs <= 60) return estimate;
    await sleep(90);
  }
  return estimateClockOffset(samples);
}
