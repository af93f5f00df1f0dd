import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSettings, effectiveSettings } from '../common/protocol/codecs/settingsCodec.ts';
import { expectsChanges, INITIAL_MODEL, reduce, scheduleStatus, screenIntent, type DisplayModel, type Effect, type ModelEvent } from '../viewer/displayModel.ts';

/** The model alone: events in, the next model and its effects out, with a fixed clock and chance. */
function run(events: ModelEvent[], start: DisplayModel = INITIAL_MODEL, now = '2026-11-22T10:00:00Z') {
  let model = start;
  const effects: Effect[] = [];
  for (const event of events) {
    const step = reduce(model, event, { now: new Date(now), random: () => 0.5, systemTimeZone: 'UTC' });
    model = step.model;
    effects.push(...step.effects);
  }
  return { model, effects, kinds: effects.filter((e) => e.kind !== 'note' && e.kind !== 'log level').map((e) => e.kind) };
}

const settings = (fields: object) => ({ kind: 'change', change: { kind: 'state', topic: 'settings', value: { fields, unknown: {} } } }) as ModelEvent;
const images = (value: string[]) => ({ kind: 'change', change: { kind: 'state', topic: 'images', value } }) as ModelEvent;
const power = (value: 'on' | 'off', live = true) => ({ kind: 'change', change: { kind: 'state', topic: 'power_state', value }, live }) as ModelEvent;
const rawSettings = (raw: string) => {
  const decoded = decodeSettings(raw);
  if (!decoded.ok) throw new Error(decoded.error);
  return { kind: 'change', change: { kind: 'state', topic: 'settings', value: decoded.value } } as ModelEvent;
};
const paused = (value: boolean) => ({ kind: 'change', change: { kind: 'state', topic: 'paused', value } }) as ModelEvent;

test('a list puts its first photo due and asks for it to be drawn; once drawn, the slideshow timer is armed', () => {
  const { model, kinds } = run([settings({ order: 'sequence' }), images(['a', 'b'])]);
  assert.equal(screenIntent(model), { screenOn: true, photo: 'a' });
  assert.equal(kinds.slice(-2), ['cancel timer', 'show']);
  const drawn = run([{ kind: 'shown', name: 'a', at: new Date('2026-11-22T10:00:01Z') }], model);
  assert.equal(drawn.model.onScreen, { name: 'a', since: '2026-11-22T10:00:01.000Z' });
  assert.equal(drawn.effects.at(-1), { kind: 'arm timer', plan: { delayMs: 600_000, action: 'advance' } });
  assert.ok(drawn.model.timerArmed);
});

test('power off: the screen is off and nothing is armed; the timer firing moves to the next photo', () => {
  const on = run([settings({ order: 'sequence' }), images(['a', 'b']), { kind: 'shown', name: 'a', at: new Date() }]).model;
  const off = run([power('off')], on);
  assert.equal(screenIntent(off.model), { screenOn: false, photo: 'a' });
  assert.not.ok(off.model.timerArmed);
  const next = run([{ kind: 'timer', plan: { delayMs: 1, action: 'advance' } }], on);
  assert.is(screenIntent(next.model).photo, 'b');
  assert.equal(next.kinds, ['cancel timer', 'show']);
});

test('a failed photo leaves the trail and a retry is armed, backing off; paused arms nothing', () => {
  const on = run([settings({ order: 'sequence' }), images(['a', 'b'])]).model;
  const failed = run([{ kind: 'failed', name: 'a', reason: 'gone' }, { kind: 'failed', name: 'a', reason: 'gone' }], on);
  assert.is(failed.model.consecutiveFailures, 2);
  assert.equal(failed.effects.filter((e) => e.kind === 'arm timer'), [
    { kind: 'arm timer', plan: { delayMs: 5000, action: 'advance' } },
    { kind: 'arm timer', plan: { delayMs: 10_000, action: 'advance' } },
  ]);
  const whilePaused = run([paused(true), { kind: 'failed', name: 'a', reason: 'gone' }], on);
  assert.not.ok(whilePaused.model.timerArmed);
  assert.not.ok(whilePaused.effects.some((e) => e.kind === 'arm timer'));
});

test('a colour setting redraws; a timing setting only re-plans; a name changes neither', () => {
  const base = run([settings({ order: 'sequence' }), images(['a', 'b']), { kind: 'shown', name: 'a', at: new Date() }]).model;
  assert.ok(run([settings({ order: 'sequence', brightness: 0.5 })], base).kinds.includes('show'));
  const timing = run([settings({ order: 'sequence', interval_time: 1 })], base);
  assert.not.ok(timing.kinds.includes('show'));
  assert.equal(timing.effects.at(-1), { kind: 'arm timer', plan: { delayMs: 60_000, action: 'advance' } });
  assert.equal(run([settings({ order: 'sequence', name: 'Kitchen' })], base).kinds, []);
  assert.equal(run([settings({ order: 'sequence', name: 'Kitchen' })], base).model.settings, effectiveSettings({ fields: { order: 'sequence', name: 'Kitchen' }, unknown: {} }));
});

const NIGHT = '{"order":"sequence","schedule":"23:00-06:15","timezone":"Europe/Berlin"}';
const drawnA = { kind: 'shown', name: 'a', at: new Date() } as ModelEvent;

test('a schedule window covering now turns the screen off, arms no slideshow timer, and ticks at its end', () => {
  // 23:30 in Berlin (UTC+1).
  const night = '2027-01-12T22:30:00Z';
  const { model, effects } = run([rawSettings('{"order":"sequence"}'), images(['a', 'b', 'c']), drawnA, rawSettings(NIGHT)], INITIAL_MODEL, night);
  assert.equal(screenIntent(model), { screenOn: false, photo: 'a' });
  assert.ok(effects.some((e) => e.kind === 'screen power' && !e.on));
  assert.not.ok(model.timerArmed);
  assert.is(model.clockAt, Date.parse('2027-01-13T05:15:00Z'));
  assert.equal(scheduleStatus(model), { state: 'off', until: '2027-01-13T05:15:00.000Z' });
  assert.not.ok(expectsChanges(model));

  // The tick at 06:15: the screen wakes with the next photo, not the one from the night before.
  const morning = run([{ kind: 'tick' }], model, '2027-01-13T05:15:00Z');
  assert.equal(screenIntent(morning.model), { screenOn: true, photo: 'b' });
  assert.equal(morning.kinds.filter((k) => k !== 'cancel timer'), ['screen power', 'show']);
  assert.is(morning.model.clockAt, Date.parse('2027-01-13T22:00:00Z'));
});

test('power_state on during a window overrides it until the next edge; read at start-up it does not', () => {
  const night = '2027-01-12T22:30:00Z';
  const off = run([rawSettings(NIGHT), images(['a', 'b'])], INITIAL_MODEL, night).model;
  const history = run([power('on', false)], off, night);
  assert.not.ok(screenIntent(history.model).screenOn);
  const overridden = run([power('on')], off, night);
  assert.ok(screenIntent(overridden.model).screenOn);
  assert.equal(scheduleStatus(overridden.model), { state: 'overridden', until: '2027-01-13T05:15:00.000Z', override: 'on' });
  assert.ok(overridden.effects.some((e) => e.kind === 'screen power' && e.on));
  // At the edge the override ends and the schedule (now "on") decides; at 23:00 it is off again.
  const edge = run([{ kind: 'tick' }], overridden.model, '2027-01-13T05:15:00Z').model;
  assert.equal(scheduleStatus(edge), { state: 'on', until: '2027-01-13T22:00:00.000Z' });
  assert.not.ok(screenIntent(run([{ kind: 'tick' }], edge, '2027-01-13T22:00:00Z').model).screenOn);
});

test('a malformed schedule is refused and the last good one kept; removing it gives power_state back the say', () => {
  const night = '2027-01-12T22:30:00Z';
  const off = run([rawSettings(NIGHT), images(['a', 'b'])], INITIAL_MODEL, night).model;
  const bad = run([rawSettings('{"order":"sequence","schedule":"23:00-6","timezone":"Europe/Berlin"}')], off, night);
  assert.is(bad.model.schedule?.text, '23:00-06:15');
  assert.ok(bad.effects.some((e) => e.kind === 'note' && e.message === 'keeping the last good schedule'));
  assert.not.ok(screenIntent(bad.model).screenOn);
  const none = run([rawSettings('{"order":"sequence"}')], off, night);
  assert.ok(screenIntent(none.model).screenOn);
  assert.is(none.model.clockAt, null);
});

test.run();
