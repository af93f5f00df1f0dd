import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { effectiveSettings } from '../common/protocol/codecs/settingsCodec.ts';
import { INITIAL_MODEL, reduce, screenIntent, type DisplayModel, type Effect, type ModelEvent } from '../viewer/displayModel.ts';

/** The model alone: events in, the next model and its effects out, with a fixed clock and chance. */
function run(events: ModelEvent[], start: DisplayModel = INITIAL_MODEL) {
  let model = start;
  const effects: Effect[] = [];
  for (const event of events) {
    const step = reduce(model, event, { now: new Date('2026-11-22T10:00:00Z'), random: () => 0.5 });
    model = step.model;
    effects.push(...step.effects);
  }
  return { model, effects, kinds: effects.filter((e) => e.kind !== 'note' && e.kind !== 'log level').map((e) => e.kind) };
}

const settings = (fields: object) => ({ kind: 'change', change: { kind: 'state', topic: 'settings', value: { fields, unknown: {} } } }) as ModelEvent;
const images = (value: string[]) => ({ kind: 'change', change: { kind: 'state', topic: 'images', value } }) as ModelEvent;
const power = (value: 'on' | 'off') => ({ kind: 'change', change: { kind: 'state', topic: 'power_state', value } }) as ModelEvent;
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

test.run();
