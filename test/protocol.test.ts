import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeChangePhoto, encodeChangePhoto } from '../common/protocol/codecs/changePhotoCodec.ts';
import { decodeImageServer } from '../common/protocol/codecs/imageServerCodec.ts';
import { decodeImages, encodeImages } from '../common/protocol/codecs/imagesCodec.ts';
import { decodePowerState } from '../common/protocol/codecs/powerStateCodec.ts';
import {
  DEFAULT_SETTINGS,
  decodeSettings,
  effectiveSettings,
  encodeSettings,
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

test('images: malformed values are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['not json', /not valid JSON/],
    ['{"a":1}', /JSON array/],
    ['["ok.jpg", 3]', /images\[1\] is not a string/],
    ['["../etc/passwd"]', /images\[0\] contains a path separator/],
    ['[".hidden"]', /starts with "."/],
    ['[""]', /is empty/],
  ];
  for (const [raw, reason] of cases) {
    const decoded = decodeImages(raw);
    assert.is(decoded.ok, false, raw);
    if (!decoded.ok) assert.match(decoded.error, reason);
  }
  assert.throws(() => encodeImages(['a/b.jpg']), /path separator/);
});

test('change_photo: "next", and anything starting with "back", as the original viewer read them', () => {
  assert.equal(decodeChangePhoto('"next"'), { ok: true, value: 'next' });
  assert.equal(decodeChangePhoto('"back"'), { ok: true, value: 'back' });
  assert.equal(decodeChangePhoto('"back 1700000000"'), { ok: true, value: 'back' });
  assert.is(encodeChangePhoto('next'), '"next"');
  assert.is(decodeChangePhoto('next').ok, false, 'bare words are not JSON');
  assert.is(decodeChangePhoto('"sideways"').ok, false);
  assert.is(decodeChangePhoto('1').ok, false);
});

test('settings: every original field is validated; missing ones take defaults', () => {
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
});

test('settings: wrong types and ranges are refused, naming the field', () => {
  const cases: [object | string, RegExp][] = [
    [{ orientation: 'X' }, /settings\.orientation must be one of H, V, S/],
    [{ interval_time: 0 }, /settings\.interval_time must be a number above 0/],
    [{ interval_time: '10' }, /settings\.interval_time/],
    [{ interval_units: 'weeks' }, /settings\.interval_units/],
    [{ variance_pct: 150 }, /settings\.variance_pct/],
    [{ use_halflife: 'yes' }, /settings\.use_halflife must be true or false/],
    [{ log_level: 'loud' }, /settings\.log_level/],
    [[1, 2], /JSON object/],
    ['{', /not valid JSON/],
  ];
  for (const [value, reason] of cases) {
    const decoded = decodeSettings(typeof value === 'string' ? value : JSON.stringify(value));
    assert.is(decoded.ok, false, JSON.stringify(value));
    if (!decoded.ok) assert.match(decoded.error, reason);
  }
});

test('settings: unknown fields from a newer console survive a round trip', () => {
  const decoded = decodeSettings('{"name":"Hall","night_mode":{"from":"22:00"}}');
  assert.ok(decoded.ok);
  if (decoded.ok) assert.equal(JSON.parse(encodeSettings(decoded.value)), { name: 'Hall', night_mode: { from: '22:00' } });
});

test('settings from command-line words', () => {
  assert.equal(settingFromText('interval_time', '30'), { ok: true, value: ['interval_time', 30] });
  assert.equal(settingFromText('use_halflife', 'true'), { ok: true, value: ['use_halflife', true] });
  assert.equal(settingFromText('name', 'Front door'), { ok: true, value: ['name', 'Front door'] });
  const bad = settingFromText('interval_time', 'soon');
  assert.equal(bad, { ok: false, error: 'settings.interval_time must be a number above 0 and at most 1000000000, got "soon"' });
  const unknown = settingFromText('colour', 'red');
  assert.is(unknown.ok, false);
  if (!unknown.ok) assert.match(unknown.error, /unknown setting "colour"; settings are: name, description/);
});

test('power_state and image_server values', () => {
  assert.equal(decodePowerState('"off"'), { ok: true, value: 'off' });
  assert.is(decodePowerState('"dim"').ok, false);
  assert.equal(decodeImageServer('{"url":"http://10.0.0.2:8470/","token":"0123456789abcdef0123"}'), {
    ok: true,
    value: { url: 'http://10.0.0.2:8470', token: '0123456789abcdef0123' },
  });
  assert.is(decodeImageServer('{"url":"ftp://x","token":"0123456789abcdef0123"}').ok, false);
  assert.is(decodeImageServer('{"url":"http://x:1","token":"short"}').ok, false);
});

test.run();
