import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeGroupClock, encodeGroupClock, type GroupClock } from '../common/protocol/codecs/groupClockCodec.ts';
import type { ViewerStatus } from '../common/protocol/codecs/viewerStatusCodec.ts';
import { passOrder, photoForSlot, slotAt, slotStart, steppedClock } from '../common/sync/groupSlots.ts';
import { healthFlags } from '../console/displays/displayHealth.ts';
import { healthLines } from '../console/displays/healthText.ts';
import { estimateClockOffset, probeTimes, type ClockSample } from '../viewer/clockOffset.ts';
import { INITIAL_MODEL, reduce, screenIntent, upcomingPhoto, type DisplayModel, type Effect, type ModelEvent } from '../viewer/displayModel.ts';

const CLOCK: GroupClock = { group: 'g1', epoch_ms: 1_000_000, interval_ms: 10_000, offset: 0, seed: 42 };
const PHOTOS = ['a', 'b', 'c', 'd', 'e'];

test('slots follow the clock: the slot due at a time, and when each begins; before the epoch they are negative', () => {
  assert.is(slotAt(CLOCK, 1_000_000), 0);
  assert.is(slotAt(CLOCK, 1_009_999), 0);
  assert.is(slotAt(CLOCK, 1_010_000), 1);
  assert.is(slotAt(CLOCK, 999_999), -1);
  assert.is(slotAt({ ...CLOCK, offset: 7 }, 1_025_000), 9);
  for (const slot of [-3, 0, 1, 9]) assert.is(slotAt(CLOCK, slotStart(CLOCK, slot)), slot);
  assert.is(slotStart({ ...CLOCK, offset: 7 }, 9), 1_020_000);
});

test('every pass shows every photo once; the same seed gives the same order anywhere, passes are shuffled afresh', () => {
  const pass0 = passOrder(PHOTOS, 42, 0);
  assert.equal([...pass0].sort(), PHOTOS);
  assert.equal(passOrder(PHOTOS, 42, 0), pass0, 'the same seed and pass, the same order');
  const passes = Array.from({ length: 6 }, (_, pass) => passOrder(PHOTOS, 42, pass).join(''));
  assert.ok(new Set(passes).size > 1, `passes should differ: ${passes.join(' ')}`);
  assert.not.equal(passOrder(PHOTOS, 43, 0), pass0, 'another seed, another order');
  assert.equal(passOrder(PHOTOS, null, 3), PHOTOS, 'no seed: the list as given');
  const slots = Array.from({ length: 10 }, (_, slot) => photoForSlot(PHOTOS, 42, slot));
  assert.equal(slots.slice(0, 5), pass0);
  assert.equal([...slots.slice(5)].sort(), PHOTOS);
  // A slot before the epoch still maps into the list.
  assert.ok(PHOTOS.includes(photoForSlot(PHOTOS, 42, -7)!));
  assert.is(photoForSlot([], 42, 3), null);
});

test('group next moves every member one slot at an instant a little ahead; back moves at once', () => {
  const now = 1_034_000; // slot 3
  const next = steppedClock(CLOCK, now, 1, 300);
  assert.is(slotAt(next, now), 3, 'until the step applies, the slot showing');
  assert.is(slotAt(next, now + 299), 3);
  assert.is(slotAt(next, now + 300), 4);
  assert.is(slotAt(next, now + 300 + 9_999), 4, 'the new slot lasts a whole interval');
  const back = steppedClock(CLOCK, now, -1, 300);
  assert.is(slotAt(back, now), 2);
  assert.is(slotAt(back, now + 9_999), 2);
  assert.is(slotAt(back, now + 10_000), 3);
});

test('group_clock: a well-formed value round-trips; malformed values are refused with the field named', () => {
  assert.equal(decodeGroupClock(encodeGroupClock(CLOCK)), { ok: true, value: CLOCK });
  assert.equal(decodeGroupClock('null'), { ok: true, value: null });
  assert.equal(decodeGroupClock('{"group": "g", "epoch_ms": 0, "interval_ms": 600000}'), { ok: true, value: { group: 'g', epoch_ms: 0, interval_ms: 600000, offset: 0, seed: null } });
  const refusals: [string, RegExp][] = [
    ['[1]', /JSON object/],
    ['{"epoch_ms": 0, "interval_ms": 1000}', /group/],
    ['{"group": "g", "epoch_ms": 1.5, "interval_ms": 1000}', /epoch_ms/],
    ['{"group": "g", "epoch_ms": 0, "interval_ms": 10}', /interval_ms/],
    ['{"group": "g", "epoch_ms": 0, "interval_ms": 1000, "offset": "1"}', /offset/],
    ['{"group": "g", "epoch_ms": 0, "interval_ms": 1000, "seed": -1}', /seed/],
    ['{"group": "g", "epo', /not valid JSON/],
  ];
  for (const [raw, why] of refusals) {
    const decoded = decodeGroupClock(raw);
    assert.not.ok(decoded.ok, raw);
    if (!decoded.ok) assert.match(decoded.error, why);
  }
});

/** The model alone, with etcd's time given. */
function run(events: ModelEvent[], start: DisplayModel = INITIAL_MODEL, etcdNowMs = 1_034_000) {
  let model = start;
  const effects: Effect[] = [];
  for (const event of events) {
    const step = reduce(model, event, { now: new Date(etcdNowMs - 5000), etcdNowMs, random: () => 0.5, systemTimeZone: 'UTC' });
    model = step.model;
    effects.push(...step.effects);
  }
  return { model, effects, kinds: effects.filter((e) => e.kind !== 'note' && e.kind !== 'log level').map((e) => e.kind) };
}
const change = (topic: string, value: unknown, live = true) => ({ kind: 'change', change: { kind: 'state', topic, value }, live }) as ModelEvent;
const shown = (name: string) => ({ kind: 'shown', name, at: new Date() }) as ModelEvent;

test('a group member shows the slot due by etcd time (not its own clock) and arms one timer for the next slot instant', () => {
  const { model, kinds } = run([change('images', PHOTOS), change('group_clock', CLOCK)]);
  // 1_034_000 is slot 3 by etcd's time; the display's own clock (5 s behind) would say slot 2.
  assert.is(screenIntent(model).photo, photoForSlot(PHOTOS, 42, 3));
  assert.equal(kinds.at(-1), 'show');
  const drawn = run([shown(screenIntent(model).photo!)], model);
  assert.equal(drawn.effects.at(-1), { kind: 'arm slot', slot: 4, atMs: 1_040_000 });
  assert.is(upcomingPhoto(drawn.model), photoForSlot(PHOTOS, 42, 4), 'the next slot is decoded ahead');
  // The timer fires a few ms early (by the draw time): the slot it was armed for is shown, though the clock still reads slot 3.
  const flipped = run([{ kind: 'slot', slot: 4 }], drawn.model, 1_039_996);
  assert.is(screenIntent(flipped.model).photo, photoForSlot(PHOTOS, 42, 4));
  const after = run([shown(screenIntent(flipped.model).photo!)], flipped.model, 1_040_001);
  assert.equal(after.effects.at(-1), { kind: 'arm slot', slot: 5, atMs: 1_050_000 });
});

test('a group member: the settings interval is not its timer; one change_photo moves it alone until the next slot; a new clock moves it at once; leaving returns to its own timer', () => {
  const member = run([change('settings', { fields: { interval_time: 1, interval_units: 'seconds' }, unknown: {} }), change('images', PHOTOS), change('group_clock', CLOCK)]).model;
  const drawn = run([shown(screenIntent(member).photo!)], member);
  assert.equal(drawn.effects.at(-1), { kind: 'arm slot', slot: 4, atMs: 1_040_000 });
  const nudged = run([{ kind: 'change', change: { kind: 'command', topic: 'change_photo', value: 'forward' }, live: true }], drawn.model);
  assert.is(screenIntent(nudged.model).photo, photoForSlot(PHOTOS, 42, 4));
  const boundary = run([shown(screenIntent(nudged.model).photo!), { kind: 'slot', slot: 4 }], nudged.model, 1_040_000);
  assert.is(screenIntent(boundary.model).photo, photoForSlot(PHOTOS, 42, 4), 'back in step at the boundary');
  const stepped = run([change('group_clock', steppedClock(CLOCK, 1_034_000, 1, 300))], drawn.model, 1_034_400);
  assert.is(screenIntent(stepped.model).photo, photoForSlot(PHOTOS, 42, 4));
  const left = run([change('group_clock', null)], drawn.model);
  assert.is(left.model.slot, null);
  const ownTimer = run([shown(screenIntent(left.model).photo!)], left.model);
  assert.equal(ownTimer.effects.at(-1), { kind: 'arm timer', plan: { delayMs: 1000, action: 'advance' } });
});

test('a paused member arms nothing and resumes on the slot due then, not where it paused', () => {
  const drawn = run([change('images', PHOTOS), change('group_clock', CLOCK), shown('x')]).model;
  const paused = run([change('paused', true)], drawn);
  assert.not.ok(paused.kinds.includes('arm slot'));
  const resumed = run([change('paused', false)], paused.model, 1_071_000);
  assert.is(screenIntent(resumed.model).photo, photoForSlot(PHOTOS, 42, 7));
  assert.equal(resumed.kinds.at(-1), 'show');
});

/** A server whose clock is `offset` ms ahead, answering after `oneWay` ms each way, its Date header in whole seconds. */
function serverSample(sentAt: number, offset: number, oneWay: number): ClockSample {
  const stampedAt = sentAt + oneWay + offset;
  return { sentAt, receivedAt: sentAt + 2 * oneWay, serverSecond: Math.floor(stampedAt / 1000) * 1000 };
}

test('probes spread across the turn of etcd\'s second narrow a ±60 ms bound to a few ms within two rounds', () => {
  for (const offset of [0, 37, -412, 1_234_567]) {
    const oneWay = 0.6;
    // A coarse start: samples 90 ms apart, as the first phase takes them.
    const samples = Array.from({ length: 12 }, (_, i) => serverSample(5_000_000 + i * 90, offset, oneWay));
    let estimate = estimateClockOffset(samples)!;
    assert.ok(estimate.errorMs <= 60, `coarse ±${estimate.errorMs}`);
    let now = 5_002_000;
    for (let round = 0; round < 2; round++) {
      const times = probeTimes(estimate, now, 7, 2 * oneWay);
      assert.ok(times[0]! >= now, 'no probe is already late');
      for (const at of times) samples.push(serverSample(at, offset, oneWay));
      estimate = estimateClockOffset(samples)!;
      now = times.at(-1)! + 10;
    }
    assert.ok(estimate.errorMs <= 5, `offset ${offset}: ±${estimate.errorMs}`);
    assert.ok(Math.abs(estimate.offsetMs - offset) <= estimate.errorMs + 1, `offset ${offset}: estimated ${estimate.offsetMs} ±${estimate.errorMs}`);
  }
});

const member: ViewerStatus = {
  image: 'a.jpg',
  shown_at: '2027-01-12T11:59:00.000Z',
  applied_revision: '10',
  free_bytes: 8 * 1024 ** 3,
  power: 'on',
  paused: false,
  updated_at: '2027-01-12T11:59:50.000Z',
  clock_offset_ms: 12,
  clock_offset_error_ms: 3,
  group_slot: { group: 'g1', slot: 4 },
};
const NOW = new Date('2027-01-12T12:00:00Z');
const health = (status: ViewerStatus) => ({ status, statusSeenAt: new Date(NOW.getTime() - 1000), writtenRevision: 10n, now: NOW });

test('the console flags a group member whose clock is more than 50 ms off etcd, or known only to worse than ±50 ms; not one outside a group', () => {
  assert.equal(healthFlags(health(member)), []);
  assert.equal(healthFlags(health({ ...member, clock_offset_ms: -80 })), ['sync']);
  assert.equal(healthFlags(health({ ...member, clock_offset_error_ms: 60 })), ['sync']);
  assert.equal(healthFlags(health({ ...member, clock_offset_ms: null })), ['sync']);
  assert.equal(healthFlags(health({ ...member, clock_offset_ms: -80, group_slot: null })), []);
  assert.match(healthLines({ ...health({ ...member, clock_offset_ms: -80 }), online: true }).join('\n'), /group slot 4 · out of step: its clock is ahead of etcd's by 80 ms/);
});

test.run();
