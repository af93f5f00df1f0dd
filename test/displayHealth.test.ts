import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ViewerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { healthFlags, presenceState, STALE_AFTER_MS } from '../console/displays/displayHealth.ts';
import { healthLines } from '../console/displays/healthText.ts';

const NOW = new Date('2027-01-12T12:00:00Z');
const healthy: ViewerStatus = {
  image: 'a.jpg',
  shown_at: '2027-01-12T11:59:00.000Z',
  applied_revision: '10',
  free_bytes: 8 * 1024 ** 3,
  power: 'on',
  paused: false,
  updated_at: '2027-01-12T11:59:50.000Z',
  cpu_temp_c: 52,
  throttled: { raw: '0x0', undervoltage: false, throttled: false, capped: false, soft_temp_limit: false, occurred: [] },
  clock_offset_ms: 30,
  clock_offset_error_ms: 40,
};
const input = (status: ViewerStatus, seenMsAgo: number | null = 10_000) => ({
  status,
  statusSeenAt: seenMsAgo === null ? null : new Date(NOW.getTime() - seenMsAgo),
  writtenRevision: 10n,
  now: NOW,
});

test('a healthy display has no flags; each trouble has its flag', () => {
  assert.equal(healthFlags(input(healthy)), []);
  assert.equal(healthFlags(input({ ...healthy, applied_revision: '9' })), ['behind']);
  assert.equal(healthFlags(input({ ...healthy, cpu_temp_c: 83.5 })), ['hot']);
  assert.equal(healthFlags(input({ ...healthy, throttled: { ...healthy.throttled!, raw: '0x50005', undervoltage: true, throttled: true } })), ['throttled']);
  assert.equal(healthFlags(input({ ...healthy, free_bytes: 100 * 1024 ** 2 })), ['low disk']);
  assert.equal(healthFlags(input({ ...healthy, clock_offset_ms: -3_000_000_000 })), ['clock']);
  // Within its own uncertainty an offset is no evidence of a wrong clock.
  assert.equal(healthFlags(input({ ...healthy, clock_offset_ms: 2500, clock_offset_error_ms: 600 })), []);
  assert.equal(healthFlags(input({ ...healthy, stuck: 'no photo has changed for 1900 s' })), ['stuck']);
  // A Pi's throttling seen earlier since boot, but not now, is no flag.
  assert.equal(healthFlags(input({ ...healthy, throttled: { ...healthy.throttled!, raw: '0x50000', occurred: ['undervoltage', 'throttled'] } })), []);
});

test('a status that stops arriving turns stale after a missed heartbeat; offline once its leases are gone', () => {
  assert.is(presenceState(true, input(healthy, STALE_AFTER_MS - 1)), 'online');
  assert.is(presenceState(true, input(healthy, STALE_AFTER_MS + 1)), 'stale');
  assert.equal(healthFlags(input(healthy, STALE_AFTER_MS + 1))[0], 'stale');
  assert.is(presenceState(false, input(healthy, 1000)), 'offline');
  // Read once (display show): its own stamp, corrected by its clock's offset against etcd's.
  assert.is(presenceState(true, input(healthy, null)), 'online');
  assert.is(presenceState(true, input({ ...healthy, updated_at: '2027-01-12T11:58:00.000Z' }, null)), 'stale');
  assert.is(presenceState(true, input({ ...healthy, updated_at: '2027-01-12T12:58:00.000Z', clock_offset_ms: -3_480_000 }, null)), 'online');
});

test('the detail view says what decides the screen and what is wrong', () => {
  const lines = healthLines({
    ...input({ ...healthy, cpu_temp_c: 85, schedule: { state: 'overridden', until: '2027-01-13T06:00:00.000Z', override: 'on' }, screen: { power: 'on', source: 'cec', method: 'cec-ctl' } }),
    online: true,
  }).join('\n');
  assert.match(lines, /flags hot/);
  assert.match(lines, /power_state on overrides it until 2027-01-13T06:00:00.000Z/);
  assert.match(lines, /screen on \(read over CEC, cec-ctl\)/);
});

test.run();
