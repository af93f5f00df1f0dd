import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSchedule, scheduleStateAt, type ScreenSchedule } from '../common/schedule/screenSchedule.ts';
import { zonedInstant } from '../common/schedule/zonedTime.ts';
import { decodeSettings, encodeSettings, DEFAULT_SETTINGS, settingFromText } from '../common/protocol/codecs/settingsCodec.ts';

function schedule(text: string): ScreenSchedule {
  const parsed = parseSchedule(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value!;
}

const BERLIN = 'Europe/Berlin';
const at = (iso: string) => Date.parse(iso);
const state = (text: string, zone: string, iso: string) => {
  const { off, nextEdge } = scheduleStateAt(schedule(text), zone, at(iso));
  return { off, nextEdge: nextEdge === null ? null : new Date(nextEdge).toISOString() };
};

test('parse: days, ranges, several windows and rules; empty is no schedule', () => {
  assert.equal(schedule('23:00-06:15').windows, [{ days: [0, 1, 2, 3, 4, 5, 6], start: 1380, end: 375 }]);
  assert.equal(schedule('Mon-Fri 18:00-08:00; Sat,Sun 23:00-09:00').windows, [
    { days: [1, 2, 3, 4, 5], start: 1080, end: 480 },
    { days: [0, 6], start: 1380, end: 540 },
  ]);
  assert.equal(schedule('fri-mon 12:00-13:00, 0:30-24:00;').windows.map((w) => w.days), [[0, 1, 5, 6], [0, 1, 5, 6]]);
  assert.equal(schedule('Sunday 00:00-24:00').windows, [{ days: [0], start: 0, end: 1440 }]);
  const empty = parseSchedule('  ');
  assert.ok(empty.ok && empty.value === null);
});

test('parse: a malformed schedule is refused with the position of the error', () => {
  const cases: [string, RegExp][] = [
    ['23:00-6', /at character 7: expected a time such as 23:00, found "6"/],
    ['Mon-Fry 18:00-08:00', /at character 5: expected a day/],
    ['25:00-06:00', /at character 1: 25:00 is not a time of day/],
    ['23:00 06:00', /at character 7: expected "-" between two times/],
    ['Mon 18:00-08:00 Tue', /at character 17: expected ";" between rules/],
    ['10:00-10:00', /at character 1: a window cannot start and end at the same time/],
    ['24:00-06:00', /at character 1: 24:00 is not a time of day/],
  ];
  for (const [text, expected] of cases) {
    const parsed = parseSchedule(text);
    assert.not.ok(parsed.ok, text);
    assert.match((parsed as { error: string }).error, expected, text);
  }
});

test('a window crossing midnight: off before and after midnight, on at its end, next edge named', () => {
  // Berlin in January is UTC+1.
  assert.equal(state('23:00-06:15', BERLIN, '2027-01-12T21:59:00Z'), { off: false, nextEdge: '2027-01-12T22:00:00.000Z' });
  assert.equal(state('23:00-06:15', BERLIN, '2027-01-12T22:00:00Z'), { off: true, nextEdge: '2027-01-13T05:15:00.000Z' });
  assert.equal(state('23:00-06:15', BERLIN, '2027-01-12T23:30:00Z'), { off: true, nextEdge: '2027-01-13T05:15:00.000Z' });
  assert.equal(state('23:00-06:15', BERLIN, '2027-01-13T05:15:00Z'), { off: false, nextEdge: '2027-01-13T22:00:00.000Z' });
});

test('weekday rules: Friday evening runs into Saturday; the weekend window follows; adjoining windows are one', () => {
  const text = 'Mon-Fri 18:00-08:00; Sat,Sun 23:00-09:00';
  // Friday 2027-01-15 20:00 local: off until Saturday 08:00.
  assert.equal(state(text, BERLIN, '2027-01-15T19:00:00Z'), { off: true, nextEdge: '2027-01-16T07:00:00.000Z' });
  // Saturday noon: on until Saturday 23:00.
  assert.equal(state(text, BERLIN, '2027-01-16T11:00:00Z'), { off: false, nextEdge: '2027-01-16T22:00:00.000Z' });
  // Sunday 23:30: off until Monday 09:00 (Sunday's window), not Monday's 08:00.
  assert.equal(state(text, BERLIN, '2027-01-17T22:30:00Z'), { off: true, nextEdge: '2027-01-18T08:00:00.000Z' });
  // Windows that meet are one stretch off: 18:00-00:00 and 00:00-08:00.
  assert.equal(state('18:00-24:00; 00:00-08:00', BERLIN, '2027-01-15T19:00:00Z'), { off: true, nextEdge: '2027-01-16T07:00:00.000Z' });
});

test('daylight saving starts (spring, 02:00 → 03:00): a window across the night ends at its wall-clock time', () => {
  // 2027-03-28: Berlin goes from UTC+1 to UTC+2 at 01:00 UTC.
  assert.equal(state('23:00-06:15', BERLIN, '2027-03-27T23:00:00Z'), { off: true, nextEdge: '2027-03-28T04:15:00.000Z' });
  // A window edge in the skipped hour takes effect at the jump.
  assert.equal(state('02:30-05:00', BERLIN, '2027-03-28T00:30:00Z'), { off: false, nextEdge: '2027-03-28T01:00:00.000Z' });
  assert.equal(state('02:30-05:00', BERLIN, '2027-03-28T01:00:00Z'), { off: true, nextEdge: '2027-03-28T03:00:00.000Z' });
  assert.is(new Date(zonedInstant(BERLIN, { year: 2027, month: 3, day: 28 }, 150)).toISOString(), '2027-03-28T01:00:00.000Z');
});

test('daylight saving ends (autumn, 03:00 → 02:00): a repeated time counts once, at its first occurrence', () => {
  // 2027-10-31: Berlin goes from UTC+2 to UTC+1 at 01:00 UTC; 02:00-03:00 local happens twice.
  assert.equal(state('23:00-06:15', BERLIN, '2027-10-30T21:00:00Z'), { off: true, nextEdge: '2027-10-31T05:15:00.000Z' });
  // Ends at the first 02:30 (00:30 UTC) and stays on through the repeated hour.
  assert.equal(state('01:00-02:30', BERLIN, '2027-10-31T00:00:00Z'), { off: true, nextEdge: '2027-10-31T00:30:00.000Z' });
  assert.equal(state('01:00-02:30', BERLIN, '2027-10-31T01:15:00Z'), { off: false, nextEdge: '2027-11-01T00:00:00.000Z' });
});

test('the southern hemisphere and a zone without daylight saving', () => {
  // Sydney leaves daylight saving on 2027-04-04 (03:00 AEDT → 02:00 AEST): 22:00-07:00 ends at 21:00 UTC.
  assert.equal(state('22:00-07:00', 'Australia/Sydney', '2027-04-03T12:00:00Z'), { off: true, nextEdge: '2027-04-03T21:00:00.000Z' });
  assert.equal(state('22:00-07:00', 'UTC', '2027-04-03T12:00:00Z'), { off: false, nextEdge: '2027-04-03T22:00:00.000Z' });
  // Always off: no edge within a week.
  assert.equal(state('00:00-24:00', 'UTC', '2027-04-03T12:00:00Z'), { off: true, nextEdge: null });
});

test('the settings codec: a person is told where a schedule goes wrong; a viewer notes it and the field is marked refused', () => {
  const typed = settingFromText('schedule', 'Mon-Fri 18:00-8');
  assert.not.ok(typed.ok);
  assert.match((typed as { error: string }).error, /settings\.schedule: schedule "Mon-Fri 18:00-8": at character 15: expected a time/);
  assert.not.ok(settingFromText('timezone', 'Europe/Atlantis').ok);
  assert.ok(settingFromText('schedule', '').ok, 'empty clears it');
  const wire = decodeSettings('{"schedule": "23:00-6", "timezone": "Mars/Olympus", "interval_time": 5}');
  assert.ok(wire.ok);
  if (!wire.ok) return;
  assert.equal(wire.value.refused, ['schedule', 'timezone']);
  assert.is(wire.value.fields.interval_time, 5, 'the rest still applies');
  assert.match(wire.notes!.join('\n'), /at character 7/);
  // Left out while empty, so an original viewer sees exactly what it did before.
  assert.not.match(encodeSettings({ ...DEFAULT_SETTINGS }), /schedule|timezone/);
  assert.match(encodeSettings({ ...DEFAULT_SETTINGS, schedule: '23:00-06:15' }), /"schedule":"23:00-06:15"/);
});

test.run();
