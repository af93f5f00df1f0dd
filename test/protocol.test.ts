import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TOPICS } from '../common/protocol/topicRegistry.ts';
import { decodeChangePhoto, encodeChangePhoto } from '../common/protocol/codecs/changePhotoCodec.ts';
import { decodeImageServer } from '../common/protocol/codecs/imageServerCodec.ts';
import { decodeImages, encodeImages } from '../common/protocol/codecs/imagesCodec.ts';
import { decodePowerState } from '../common/protocol/codecs/powerStateCodec.ts';
import {
  DEFAULT_SETTINGS,
  decodeSettings,
  effectiveSettings,
  intervalMs,
  settingFromText,
} from '../common/protocol/codecs/settingsCodec.ts';
import { displayKey, displayPrefix, parseDisplayKey } from '../common/protocol/displayKeys.ts';
import { announceKey, displayIdFromAnnounceKey, IMAGE_SERVER_KEY } from '../common/protocol/systemKeys.ts';

const ID = '3f0c9a52-8b1e-4f7e-9d55-0e1c2b3a4d5e';

test('display keys keep the original /<id>:<topic> format', () => {
  assert.is(displayKey(ID, 'images'), `/${ID}:images`);
  assert.is(displayKey(ID, 'change_photo'), `/${ID}:change_photo`);
  assert.is(displayPrefix(ID), `/${ID}:`);
  assert.equal(parseDisplayKey(`/${ID}:settings`), { displayId: ID, topic: 'settings' });
  assert.equal(parseDisplayKey(`/${ID}:some_future_topic`), { displayId: ID, topic: 'some_future_topic' });
});

test('keys that are not display keys do not parse', () => {
  for (const key of ['images', `${ID}:images`, `/${ID}`, `/${ID}:`, '/:images', '/a/b:images', IMAGE_SERVER_KEY]) {
    assert.is(parseDisplayKey(key), null, key);
  }
});

test('display ids cannot carry key separators', () => {
  assert.throws(() => displayKey('a:b', 'images'), /invalid display id/);
  assert.throws(() => displayKey('a/b', 'images'), /invalid display id/);
  assert.throws(() => displayKey('', 'images'), /invalid display id/);
});

test('installation keys live apart from display prefixes', () => {
  assert.is(announceKey(ID), `/photoframe/displays/${ID}`);
  assert.is(displayIdFromAnnounceKey(announceKey(ID)), ID);
  assert.not.ok(IMAGE_SERVER_KEY.startsWith(displayPrefix('photoframe')));
});

test('images: a JSON array of names round-trips', () => {
  const names = ['a1b2c3.jpg', 'IMG_0001.JPG', 'holiday photo.png'];
  const decoded = decodeImages(encodeImages(names));
  assert.equal(decoded, { ok: true, value: names });
  assert.equal(decodeImages('[]'), { ok: true, value: [] });
});

test('images: unusable names are left out with a note; a list with nothing usable, or not a list, is refused', () => {
  const mixed = decodeImages('["IMG_1234.jpg", "._IMG_1234.jpg", 3, "DSC_0001.jpg"]');
  assert.ok(mixed.ok);
  if (mixed.ok) {
    assert.equal(mixed.value, ['IMG_1234.jpg', 'DSC_0001.jpg']);
    assert.equal(mixed.notes, ['images[1] "._IMG_1234.jpg" starts with "."; left out', 'images[2] 3 is not a string; left out']);
  }
  const cases: [string, RegExp][] = [
    ['not json', /not valid JSON/],
    ['{"a":1}', /JSON array/],
    ['["../etc/passwd"]', /no usable name: images\[0\] .* contains a path separator/],
    ['[".hidden", ""]', /no usable name/],
  ];
  for (const [raw, reason] of cases) {
    const decoded = decodeImages(raw);
    assert.is(decoded.ok, false, raw);
    if (!decoded.ok) assert.match(decoded.error, reason);
  }
  assert.equal(decodeImages('[]'), { ok: true, value: [] });
  assert.throws(() => encodeImages(['a/b.jpg']), /path separator/);
});

test('change_photo: "back…" steps back, any other string forward, as the original viewer reads it', () => {
  assert.equal(decodeChangePhoto('"back"'), { ok: true, value: 'back' });
  assert.equal(decodeChangePhoto('"back 1700000000"'), { ok: true, value: 'back' });
  for (const raw of ['"forward"', '"next"', '"anything"', '"Back"']) assert.equal(decodeChangePhoto(raw), { ok: true, value: 'forward' }, raw);
  assert.is(encodeChangePhoto('forward'), '"forward"');
  assert.is(decodeChangePhoto('1').ok, false);
  assert.is(decodeChangePhoto('{"a":1}').ok, false);
  // The original drops what is not JSON; a truncated write must not move the slideshow.
  for (const raw of ['next', '{"dir":"back"', '']) assert.is(decodeChangePhoto(raw).ok, false, raw);
});

test('one-shot commands refuse what is not JSON: a truncated or empty write reboots nothing', () => {
  for (const topic of ['reboot', 'restart_screen', 'current_display'] as const) {
    for (const raw of ['', '{"when": "lat', '[1,', 'now']) assert.is(TOPICS[topic].decode(raw).ok, false, `${topic} ${JSON.stringify(raw)}`);
  }
  assert.equal(TOPICS.reboot.decode('"now"'), { ok: true, value: 'now' });
  assert.equal(TOPICS.paused.decode('true'), { ok: true, value: true });
  assert.equal(TOPICS.paused.decode('resume'), { ok: true, value: false }, 'a bare word typed with etcdctl');
  assert.is(TOPICS.paused.decode('[1,').ok, false);
  assert.equal(TOPICS.album.decode(TOPICS.album.encode(null)), { ok: true, value: null });
});

test('settings: every original field is read; missing ones take the original defaults', () => {
  const raw = JSON.stringify({
    name: 'Kitchen',
    description: 'by the window',
    orientation: 'V',
    interval_time: 5,
    interval_units: 'minutes',
    variance_pct: 20,
    use_halflife: true,
    brightness: 0.8,
    contrast: 1.2,
    saturation: 1,
    log_level: 'debug',
  });
  const decoded = decodeSettings(raw);
  assert.ok(decoded.ok);
  if (!decoded.ok) return;
  const settings = effectiveSettings(decoded.value);
  assert.is(settings.name, 'Kitchen');
  assert.is(settings.orientation, 'V');
  assert.is(intervalMs(settings), 5 * 60 * 1000);
  const partial = decodeSettings('{"name":"Hall"}');
  assert.ok(partial.ok);
  if (partial.ok) assert.equal(effectiveSettings(partial.value), { ...DEFAULT_SETTINGS, name: 'Hall' });
  assert.is(DEFAULT_SETTINGS.interval_time, 10);
  assert.is(DEFAULT_SETTINGS.interval_units, 'minutes', 'a missing unit means minutes, as in the original');
});

test('settings: a field that means nothing keeps its default with a note naming it; the rest applies', () => {
  const cases: [object, RegExp][] = [
    [{ orientation: 'X' }, /settings\.orientation must be first letter H, V or S/],
    [{ interval_time: 0 }, /settings\.interval_time must be a number or numeric string, above 0/],
    [{ interval_time: 'ten' }, /settings\.interval_time .*got "ten"/],
    [{ interval_units: 'weeks' }, /settings\.interval_units/],
    [{ variance_pct: -5 }, /settings\.variance_pct/],
    [{ use_halflife: 'maybe' }, /settings\.use_halflife must be true\/false/],
    [{ log_level: 'loud' }, /settings\.log_level/],
    [{ brightness: { a: 1 } }, /settings\.brightness .*got an object/],
  ];
  for (const [value, reason] of cases) {
    const decoded = decodeSettings(JSON.stringify({ ...value, name: 'Hall' }));
    assert.ok(decoded.ok, JSON.stringify(value));
    if (!decoded.ok) continue;
    assert.is(decoded.value.fields.name, 'Hall', 'the other fields still apply');
    assert.is(decoded.notes?.length, 1);
    assert.match(decoded.notes![0]!, reason);
    assert.match(decoded.notes![0]!, /left at its default$/);
  }
  const lenient = decodeSettings('{"description": null, "interval_time": "30", "interval_units": "S", "brightness": "12.000", "variance_pct": 150}');
  assert.ok(lenient.ok);
  if (lenient.ok) assert.equal(lenient.value.fields, { description: '', interval_time: 30, interval_units: 'seconds', brightness: 10, variance_pct: 100 });
  for (const raw of ['[1, 2]', '{', '"text"']) assert.is(decodeSettings(raw).ok, false, raw);
});

test('settings: unknown fields from a newer console survive a merge', () => {
  const decoded = decodeSettings('{"name":"Hall","night_mode":{"from":"22:00"}}');
  assert.ok(decoded.ok);
  if (!decoded.ok) return;
  const wire = JSON.parse(TOPICS.settings.encode(decoded.value));
  assert.equal(wire.night_mode, { from: '22:00' });
  assert.is(wire.name, 'Hall');
});

test('settings: transition, fit, caption and locale are read leniently; old displays keep a cut, contain, no caption', () => {
  const decoded = decodeSettings('{"transition":"CrossFade","transition_ms":"1200","fit":"Blur","caption":"date-place","locale":"de-ch"}');
  assert.ok(decoded.ok);
  if (!decoded.ok) return;
  assert.is(decoded.notes, undefined, 'no notes: every field was understood');
  const settings = effectiveSettings(decoded.value);
  assert.equal([settings.transition, settings.transition_ms, settings.fit, settings.caption, settings.locale], ['crossfade', 1200, 'blur', 'date_place', 'de-CH']);
  const old = effectiveSettings({ fields: {}, unknown: {} });
  assert.equal([old.transition, old.transition_ms, old.fit, old.caption, old.locale], ['none', 800, 'contain', 'none', '']);
  const bad = decodeSettings('{"transition":"wipe","fit":"stretch","caption":"all","locale":"not a locale","transition_ms":-1,"brightness":2}');
  assert.ok(bad.ok);
  if (!bad.ok) return;
  assert.is(bad.notes?.length, 5, bad.notes?.join('; '));
  assert.match(bad.notes!.join('; '), /settings\.transition must be none, crossfade/);
  assert.equal(bad.value.fields, { brightness: 2 }, 'the rest still applies');
  assert.equal(settingFromText('fit', 'cover'), { ok: true, value: ['fit', 'cover'] });
});

test('settings from command-line words', () => {
  assert.equal(settingFromText('interval_time', '30'), { ok: true, value: ['interval_time', 30] });
  assert.equal(settingFromText('use_halflife', 'true'), { ok: true, value: ['use_halflife', true] });
  assert.equal(settingFromText('interval_units', 'M'), { ok: true, value: ['interval_units', 'minutes'] });
  assert.equal(settingFromText('log_level', 'warning'), { ok: true, value: ['log_level', 'warn'] });
  assert.equal(settingFromText('name', 'Front door'), { ok: true, value: ['name', 'Front door'] });
  const bad = settingFromText('interval_time', 'soon');
  assert.equal(bad, { ok: false, error: 'settings.interval_time must be a number or numeric string, above 0 up to 1000000000, got "soon"' });
  assert.is(settingFromText('variance_pct', '12.5').ok, false, 'the original reads variance with int()');
  assert.equal(settingFromText('brightness', '12'), { ok: false, error: 'settings.brightness must be a number or numeric string, from 0 up to 10, got "12"' });
  const unknown = settingFromText('colour', 'red');
  assert.is(unknown.ok, false);
  if (!unknown.ok) assert.match(unknown.error, /unknown setting "colour"; settings are: name, description/);
});

test('image_server: a hostile URL is refused at once, not trimmed in quadratic time', () => {
  // 50,000 slashes not at the end: a /\/+$/ trim backtracks over them for seconds, and a 1.4 MB value for an hour.
  const hostile = JSON.stringify({ url: `http://x${'/'.repeat(50_000)}a`, token: '0123456789abcdef0123' });
  assert.match((decodeImageServer(hostile) as { error: string }).error, /at most 2048 characters/);
  const tokenFlood = JSON.stringify({ url: 'http://x:1', token: 'k'.repeat(5000) });
  assert.is(decodeImageServer(tokenFlood).ok, false);
  assert.equal(decodeImageServer(JSON.stringify({ url: 'http://x:1///', token: '0123456789abcdef0123' })), {
    ok: true,
    value: { url: 'http://x:1', token: '0123456789abcdef0123' },
  });
});

test('power_state and image_server values', () => {
  assert.equal(decodePowerState('"off"'), { ok: true, value: 'off' });
  assert.equal(decodePowerState('"STOP"'), { ok: true, value: 'off' });
  assert.equal(decodePowerState('"On"'), { ok: true, value: 'on' });
  assert.equal(decodePowerState('off'), { ok: true, value: 'off' }, 'a bare word typed with etcdctl');
  assert.is(decodePowerState('"dim"').ok, false);
  assert.equal(decodeImageServer('{"url":"http://10.0.0.2:8470/","token":"0123456789abcdef0123"}'), {
    ok: true,
    value: { url: 'http://10.0.0.2:8470', token: '0123456789abcdef0123' },
  });
  assert.is(decodeImageServer('{"url":"ftp://x","token":"0123456789abcdef0123"}').ok, false);
  assert.is(decodeImageServer('{"url":"http://x:1","token":"short"}').ok, false);
});

test.run();
