/**
 * The protocol in one table: for every topic, its key, its codec (a strict
 * encoder and a lenient decoder), what its absence means, and who writes and
 * watches it. The viewer dispatches through it, the console encodes through
 * it, and docs/protocol.md's key table is rendered from it (a test keeps the
 * two equal).
 */
import { decodeAlbumRef, decodeNowCommand, decodePaused, decodeRequestId, encodeAlbumRef, encodeNowCommand, encodePaused, encodeRequestId, type AlbumRef, type NowCommand } from './codecs/commandCodecs.ts';
import { decodeChangePhoto, encodeChangePhoto, type ChangePhoto } from './codecs/changePhotoCodec.ts';
import { decodeGroupClock, encodeGroupClock, type GroupClock } from './codecs/groupClockCodec.ts';
import { decodeImages, encodeImages, type ImageList } from './codecs/imagesCodec.ts';
import { decodeImagesManifest, encodeImagesManifest, type ManifestRef } from './codecs/imagesManifestCodec.ts';
import { decodePowerState, encodePowerState, type PowerState } from './codecs/powerStateCodec.ts';
import { DEFAULT_SETTINGS, decodeSettings, encodeSettings, renderSettingsTable, type SettingsValue } from './codecs/settingsCodec.ts';
import type { Decoded } from './decoded.ts';
import { displayKey, isDisplayTopic, parseDisplayKey, type DisplayTopic } from './displayKeys.ts';

/** What each topic's value decodes to. */
export interface TopicValues {
  images: ImageList;
  settings: SettingsValue;
  change_photo: ChangePhoto;
  power_state: PowerState;
  reboot: NowCommand;
  restart_screen: NowCommand;
  current_display: string;
  paused: boolean;
  album: AlbumRef | null;
  images_manifest: ManifestRef | null;
  group_clock: GroupClock | null;
}

export interface TopicSpec<T> {
  topic: DisplayTopic;
  /** A state is applied whenever read; a command acts once per live write and is history when read at start. */
  kind: 'state' | 'command';
  origin: 'original' | 'photoframe';
  summary: string;
  decode(raw: string): Decoded<T>;
  encode(value: T): string;
  /** For a state: what the viewer assumes while the key is absent, and when it is deleted. */
  absent: { value: T; means: string } | null;
  writers: string;
  watchers: string;
  /** A value as written on the wire, for the docs and for tests. */
  example: string;
}

type Registry = { [K in DisplayTopic]: TopicSpec<TopicValues[K]> };

export const TOPICS: Registry = {
  images: {
    topic: 'images',
    kind: 'state',
    origin: 'original',
    summary: 'the photos to show: a JSON list of image names',
    decode: decodeImages,
    encode: encodeImages,
    absent: { value: [], means: 'no photos: a black screen' },
    writers: 'console (display set, album changes), original server',
    watchers: 'viewer, original viewer',
    example: '["3f2a9c0d41e5b6a7c8d9e0f1.jpg", "IMG_1234.jpg"]',
  },
  settings: {
    topic: 'settings',
    kind: 'state',
    origin: 'original',
    summary: 'interval, variance, colours, orientation, order, log level, transition, fit, caption (see Settings)',
    decode: decodeSettings,
    encode: (value) => encodeSettings({ ...DEFAULT_SETTINGS, ...value.fields }, value.unknown),
    absent: { value: { fields: {}, unknown: {} }, means: "every field takes the original's default" },
    writers: 'console (display set), serve --legacy-viewers, original server',
    watchers: 'viewer, original viewer',
    example:
      '{"name": "Kitchen", "description": "", "orientation": "H", "interval_time": 10, "interval_units": "minutes", "variance_pct": 0, "use_halflife": false, "brightness": 1, "contrast": 1, "saturation": 1, "log_level": "INFO", "order": "shuffle", "interval_base": "*:*", "transition": "crossfade", "transition_ms": 800, "fit": "blur", "caption": "date_place", "locale": "en-GB", "schedule": "Mon-Fri 23:00-06:15"}',
  },
  change_photo: {
    topic: 'change_photo',
    kind: 'command',
    origin: 'original',
    summary: 'one step: a string starting with "back" goes back, any other goes forward',
    decode: decodeChangePhoto,
    encode: encodeChangePhoto,
    absent: null,
    writers: 'console (display next/back), original server',
    watchers: 'viewer, original viewer',
    example: '"forward"',
  },
  power_state: {
    topic: 'power_state',
    kind: 'state',
    origin: 'original',
    summary: '"off" or "stop" blanks the screen (the TV in standby over HDMI-CEC where it can) and stops the slideshow; "on" restores it; written during a schedule, it overrides it until its next edge',
    decode: decodePowerState,
    encode: encodePowerState,
    absent: { value: 'on', means: 'on' },
    writers: 'console (display off/on), people',
    watchers: 'viewer, original viewer (exits on off/stop)',
    example: '"off"',
  },
  reboot: {
    topic: 'reboot',
    kind: 'command',
    origin: 'original',
    summary: 'runs the viewer\'s reboot command (default `systemctl reboot`)',
    decode: decodeNowCommand,
    encode: encodeNowCommand,
    absent: null,
    writers: 'console (display reboot), original server',
    watchers: 'viewer, original viewer',
    example: '"now"',
  },
  restart_screen: {
    topic: 'restart_screen',
    kind: 'command',
    origin: 'original',
    summary: 'closes and reopens the window, then shows the current photo again',
    decode: decodeNowCommand,
    encode: encodeNowCommand,
    absent: null,
    writers: 'console (display restart-screen), original server',
    watchers: 'viewer (the original viewer ignores it)',
    example: '"now"',
  },
  current_display: {
    topic: 'current_display',
    kind: 'command',
    origin: 'original',
    summary: 'a request id R: the viewer puts what it shows at `/R:` (an enrolled viewer, whose role forbids that key: at `/photoframe/answers/<id>/R`) on a 60 s lease',
    decode: decodeRequestId,
    encode: encodeRequestId,
    absent: null,
    writers: 'console (display now), original server',
    watchers: 'viewer (the original viewer ignores it)',
    example: '"6c1f7d0e-2b7a-4c55-9a43-0d6f3e1b2a90"',
  },
  paused: {
    topic: 'paused',
    kind: 'state',
    origin: 'photoframe',
    summary: 'true stops the slideshow timer and keeps the photo; false resumes',
    decode: decodePaused,
    encode: encodePaused,
    absent: { value: false, means: 'not paused' },
    writers: 'console (display pause/resume)',
    watchers: 'viewer',
    example: 'true',
  },
  album: {
    topic: 'album',
    kind: 'state',
    origin: 'photoframe',
    summary: 'the album the display was given, named in "what is on screen" answers',
    decode: decodeAlbumRef,
    encode: encodeAlbumRef,
    absent: { value: null, means: 'no album known' },
    writers: 'console (display set album=…)',
    watchers: 'viewer',
    example: '{"id": "0b5e7c0a-53a4-4f0e-8a8c-5d1e2f3a4b5c", "name": "Summer 2024"}',
  },
  images_manifest: {
    topic: 'images_manifest',
    kind: 'state',
    origin: 'photoframe',
    summary:
      'a list too large for one etcd value: the SHA-256, name count and size of a manifest (names, one per line) at `<image server>/manifests/<sha256>`; while present it is the list, and `images` holds only a sample for original viewers (see its section below)',
    decode: (raw) => decodeImagesManifest(raw),
    encode: (value) => {
      if (value === null) throw new Error('images_manifest is deleted, not written as null');
      return encodeImagesManifest(value);
    },
    absent: { value: null, means: 'the list is `images`' },
    writers: 'console, for a list whose `images` value would pass 256 KiB (PHOTOFRAME_IMAGES_INLINE_MAX), before `images`',
    watchers: 'viewer, image server',
    example: '{"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "count": 100000, "bytes": 2900000}',
  },
  group_clock: {
    topic: 'group_clock',
    kind: 'state',
    origin: 'photoframe',
    summary:
      "the schedule shared by a `same` group's members (every member holds the same value): at etcd's time t the slot is floor((t − epoch_ms) / interval_ms) + offset and the photo is the slot's place in the list, shuffled per pass from seed (null: as listed); replaces the display's own timer (interval, variance, half-life)",
    decode: decodeGroupClock,
    encode: encodeGroupClock,
    absent: { value: null, means: "not in a `same` group: the display's own timer (so too JSON null)" },
    writers: 'console (group album, mode, members, group next/back)',
    watchers: 'viewer (the original viewer ignores it)',
    example: '{"group": "5d0c9a4e-7f21-4b6a-9c3e-1a2b3c4d5e6f", "epoch_ms": 1765084800000, "interval_ms": 600000, "offset": 0, "seed": 2718281828}',
  },
};

export function topicSpec<K extends DisplayTopic>(topic: K): TopicSpec<TopicValues[K]> {
  return TOPICS[topic];
}

/** A key with its value put through the topic's strict encoder: what the console writes. */
export function encodeTopic<K extends DisplayTopic>(displayId: string, topic: K, value: TopicValues[K]): { key: string; value: string } {
  return { key: displayKey(displayId, topic), value: TOPICS[topic].encode(value) };
}

/** A change on a display's key, decoded by its topic: what the viewer acts on. */
export type DisplayChange = {
  [K in DisplayTopic]: { topic: K; kind: 'state' | 'command'; value: TopicValues[K] };
}[DisplayTopic];

export type ReadOutcome =
  /** `notes`: parts of the value left out (a meaningless field, an unusable name), for the log. */
  | { kind: 'apply'; change: DisplayChange; notes: string[] }
  /** Not for this display, an unknown topic, a deleted command, or a command read at start. */
  | { kind: 'skip'; why: string }
  | { kind: 'refuse'; error: string };

/**
 * Decides what a change on a display key means, per the registry: the
 * topic's lenient decoder for a value, its absent value for a delete.
 * Commands act only when live: an old "forward" read at start is history.
 */
export function readDisplayChange(displayId: string, key: string, raw: string | null, live: boolean): ReadOutcome {
  const parsed = parseDisplayKey(key);
  if (!parsed || parsed.displayId !== displayId) return { kind: 'skip', why: 'not this display' };
  if (!isDisplayTopic(parsed.topic)) return { kind: 'skip', why: 'a topic this viewer does not know' };
  const spec = TOPICS[parsed.topic] as TopicSpec<unknown>;
  if (spec.kind === 'command' && (!live || raw === null)) return { kind: 'skip', why: 'a command that is not a live write' };
  if (raw === null) return { kind: 'apply', change: { topic: parsed.topic, kind: spec.kind, value: spec.absent!.value } as DisplayChange, notes: [] };
  const decoded = spec.decode(raw);
  if (!decoded.ok) return { kind: 'refuse', error: decoded.error };
  return { kind: 'apply', change: { topic: parsed.topic, kind: spec.kind, value: decoded.value } as DisplayChange, notes: decoded.notes ?? [] };
}

/** Keys outside the display prefixes, in the same table for the docs. */
export interface SystemKeySpec {
  key: string;
  summary: string;
  writers: string;
  watchers: string;
  example: string;
}

export const SYSTEM_KEYS: readonly SystemKeySpec[] = [
  {
    key: '/photoframe/image_server',
    summary: "where viewers fetch images: over HTTPS with the CA's fingerprint (nothing secret), or with a plain etcd over HTTP with the bearer token they send",
    writers: 'photoframe serve, at each start',
    watchers: 'every viewer',
    example: '{"url": "https://192.168.1.10:8470", "ca_sha256": "3F:A1:…:7C"} (plain: {"url": "http://192.168.1.10:8470", "token": "<secret>"})',
  },
  {
    key: '/photoframe/displays/<id>',
    summary: 'a viewer introducing itself: hostname, version, screen size, start time',
    writers: 'viewer, at each start',
    watchers: 'console',
    example: '{"id": "kitchen", "hostname": "pi-kitchen", "version": "0.1.0", "screen": {"width": 1920, "height": 1080}, "started_at": "2026-11-22T08:00:00.000Z"}',
  },
  {
    key: '/photoframe/online/<id>',
    summary: 'present while the viewer runs (a 15 s lease it keeps alive)',
    writers: 'viewer',
    watchers: 'console',
    example: '{"since": "2026-11-22T08:00:00.000Z"}',
  },
  {
    key: '/photoframe/status/<id>',
    summary: 'what the viewer shows and since when, the revisions of its keys it applied, and its health (screen, schedule, device, clock, last error); on a 90 s lease',
    writers: 'viewer, at most once a second when something changed, and every 45 s',
    watchers: 'console (photo and health columns, detail view, display show)',
    example:
      '{"image": "3f2a9c0d41e5b6a7c8d9e0f1.jpg", "shown_at": "2026-11-22T08:00:00.000Z", "applied_revision": "1234", "applied": {"images": "1230", "settings": "1234"}, "free_bytes": 12000000000, "power": "on", "paused": false, "apply_ms": 84.2, "screen": {"power": "standby", "source": "cec", "method": "cec-ctl"}, "schedule": {"state": "off", "until": "2026-11-23T05:15:00.000Z"}, "rss_bytes": 98000000, "cpu_temp_c": 51.2, "throttled": {"raw": "0x50000", "undervoltage": false, "throttled": false, "capped": false, "soft_temp_limit": false, "occurred": ["undervoltage", "throttled"]}, "cache_bytes": 310000000, "uptime_s": 86400, "version": "0.1.0", "last_error": null, "clock_offset_ms": -12, "clock_offset_error_ms": 4, "stuck": null, "group_slot": {"group": "5d0c9a4e-7f21-4b6a-9c3e-1a2b3c4d5e6f", "slot": 2941808}, "updated_at": "2026-11-22T08:00:00.100Z"}',
  },
  {
    key: '/<R>:',
    summary: 'the answer to a current_display request R, on a 60 s lease',
    writers: 'viewer',
    watchers: 'console (display now), original server (polls it for 10 s)',
    example: '{"display": "kitchen", "image": "3f2a9c0d41e5b6a7c8d9e0f1.jpg", "album": "Summer 2024", "shown_at": "2026-11-22T08:00:00.000Z", "power": "on", "paused": false}',
  },
  {
    key: '/photoframe/answers/<id>/<R>',
    summary: "an enrolled display's answer to current_display request R, on a 60 s lease: the same value as `/<R>:`, in a place its etcd role may write",
    writers: 'enrolled viewer',
    watchers: 'console (display now)',
    example: '{"display": "kitchen", "image": "3f2a9c0d41e5b6a7c8d9e0f1.jpg", "album": "Summer 2024", "shown_at": "2026-11-22T08:00:00.000Z", "power": "on", "paused": false}',
  },
  {
    key: '/photoframe/revoked/<id>',
    summary: 'a revoked display: the image server refuses it from the moment this is written; readable by the console only',
    writers: 'photoframe display revoke',
    watchers: 'photoframe serve',
    example: '{"revoked_at": "2026-12-07T09:00:00.000Z"}',
  },
];

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The key table of docs/protocol.md, rendered from this registry (`make docs` writes it; a test compares). */
export function renderProtocolTables(): string {
  const topicRows = Object.values(TOPICS).map((spec: TopicSpec<unknown>) =>
    [
      `\`/<id>:${spec.topic}\``,
      spec.kind,
      spec.origin,
      cell(spec.summary),
      spec.absent ? cell(spec.absent.means) : 'ignored',
      cell(spec.writers),
      cell(spec.watchers),
      `\`${cell(spec.example)}\``,
    ].join(' | '),
  );
  const systemRows = SYSTEM_KEYS.map((spec) =>
    [`\`${spec.key}\``, cell(spec.summary), cell(spec.writers), cell(spec.watchers), `\`${cell(spec.example)}\``].join(' | '),
  );
  return [
    '| key | kind | from | meaning | absent or deleted | written by | watched by | example |',
    '|---|---|---|---|---|---|---|---|',
    ...topicRows.map((row) => `| ${row} |`),
    '',
    '| key | meaning | written by | watched by | example |',
    '|---|---|---|---|---|',
    ...systemRows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** The generated sections of docs/protocol.md, each between its markers. */
const GENERATED_SECTIONS: [name: string, render: () => string][] = [
  ['protocol-table', renderProtocolTables],
  ['settings-table', renderSettingsTable],
];

/** The doc with its generated sections replaced; throws if a section's markers are missing. */
export function withRenderedTables(doc: string): string {
  let out = doc;
  for (const [name, render] of GENERATED_SECTIONS) {
    const begin = out.indexOf(`<!-- ${name}:begin`);
    const beginEnd = out.indexOf('-->', begin);
    const end = out.indexOf(`<!-- ${name}:end -->`);
    if (begin < 0 || end < beginEnd) throw new Error(`docs/protocol.md has lost its ${name} markers`);
    out = `${out.slice(0, beginEnd + 3)}\n${render()}\n${out.slice(end)}`;
  }
  return out;
}
