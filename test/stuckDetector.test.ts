import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SETTINGS } from '../common/protocol/codecs/settingsCodec.ts';
import { stuckProblem } from '../viewer/stuckDetector.ts';

const minute = { ...DEFAULT_SETTINGS, interval_time: 1, interval_units: 'minutes' as const };

test('stuck after three intervals without a change, only while changes are expected', () => {
  const input = { expecting: true, sinceMs: 0, nowMs: 180_000, plannedDelayMs: 60_000, settings: minute };
  assert.is(stuckProblem(input), null);
  assert.match(stuckProblem({ ...input, nowMs: 180_001 }) ?? '', /no photo has changed for 180 s, more than 3× the interval of 60 s/);
  assert.is(stuckProblem({ ...input, nowMs: 10_000_000, expecting: false }), null);
});

test('a first change aligned to a clock time far off, and the half-life rule, wait longer', () => {
  const input = { expecting: true, sinceMs: 0, nowMs: 3_550_000, plannedDelayMs: 3_500_000, settings: minute };
  assert.is(stuckProblem(input), null);
  assert.is(stuckProblem({ ...input, plannedDelayMs: 60_000, nowMs: 500_000, settings: { ...minute, use_halflife: true } }), null);
  assert.ok(stuckProblem({ ...input, plannedDelayMs: 60_000, nowMs: 600_001, settings: { ...minute, use_halflife: true } }));
});

test.run();
