import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { homePaths } from '../common/homePaths.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { importPhotos } from '../data/photos/importPhotos.ts';
import { reverseGeocoder } from '../data/places/reverseGeocoder.ts';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createImageServer } from '../console/imageServer/imageServer.ts';
import { decodeCaptionFacts } from '../common/protocol/codecs/captionFactsCodec.ts';
import { captionText } from '../viewer/captionText.ts';
import { tempDir } from './helpers/fixtures.ts';
import { runCli } from './helpers/runCli.ts';

/** A JPEG taken at a GPS position, as a phone writes it (degrees, minutes, seconds as rationals). */
async function photoAt(path: string, latitude: number, longitude: number, colour: number): Promise<void> {
  const dms = (value: number) => {
    const abs = Math.abs(value);
    const degrees = Math.floor(abs);
    const minutes = Math.floor((abs - degrees) * 60);
    const hundredthSeconds = Math.round(((abs - degrees) * 60 - minutes) * 60 * 100);
    return `${degrees}/1 ${minutes}/1 ${hundredthSeconds}/100`;
  };
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: colour, g: 90, b: 140 } } })
    .withExif({
      IFD2: { DateTimeOriginal: '2021:07:14 16:20:00' },
      IFD3: { GPSLatitudeRef: latitude >= 0 ? 'N' : 'S', GPSLatitude: dms(latitude), GPSLongitudeRef: longitude >= 0 ? 'E' : 'W', GPSLongitude: dms(longitude) },
    })
    .jpeg()
    .toFile(path);
}

test('the nearest town to a position, offline; none far from any', () => {
  const geocoder = reverseGeocoder();
  assert.equal(geocoder.placeAt({ latitude: 45.7578, longitude: 4.832 }), { name: 'Lyon', country: 'FR' });
  assert.equal(geocoder.placeAt({ latitude: 47.3769, longitude: 8.5417 }), { name: 'Zürich', country: 'CH' }, 'a town, not a district of it');
  assert.equal(geocoder.placeAt({ latitude: -33.8688, longitude: 151.2093 }), { name: 'Sydney', country: 'AU' });
  assert.is(geocoder.placeAt({ latitude: 0, longitude: -140 }), null, 'the middle of the Pacific');
  assert.is(geocoder.placeAt({ latitude: Number.NaN, longitude: 4 }), null);
});

test('import stores the place of a photo with GPS; photos locate fills in photos imported before places existed', async () => {
  const home = await tempDir('photoframe-home-');
  const paths = homePaths(home);
  const store = new LibraryStore(paths.store);
  const source = await tempDir();
  await photoAt(join(source, 'lyon.jpg'), 45.7578, 4.832, 10);
  await photoAt(join(source, 'sea.jpg'), 0, -140, 60);
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 1, g: 2, b: 3 } } }).jpeg().toFile(join(source, 'nogps.jpg'));
  const report = await importPhotos(store, paths, { sources: [source] });
  const byFile = new Map(report.imported.map((p) => [p.sources[0]!.split('/').pop(), p]));
  assert.equal(byFile.get('lyon.jpg')!.place, { name: 'Lyon', country: 'FR' });
  assert.is(byFile.get('sea.jpg')!.place, null);
  assert.is(byFile.get('nogps.jpg')!.place, null);

  // As a library from before places: the field absent.
  await store.update((library) => {
    for (const photo of Object.values(library.photos)) delete photo.place;
  });
  const located = await runCli(['--home', home, 'photos', 'locate']);
  assert.is(located.code, 0, located.stderr);
  assert.match(located.stdout, /located 1 photo\(s\); 1 with no town within 30 km/);
  const library = await store.read();
  assert.equal(library.photos[byFile.get('lyon.jpg')!.name]!.place, { name: 'Lyon', country: 'FR' });
  assert.is(library.photos[byFile.get('nogps.jpg')!.name]!.place, undefined, 'no position: nothing to locate');
  const again = await runCli(['--home', home, 'photos', 'locate']);
  assert.match(again.stdout, /every photo with a GPS position has its place/);
  const bad = await runCli(['--home', home, 'photos', 'locat']);
  assert.is.not(bad.code, 0);
  assert.match(bad.stderr, /unknown subcommand "locat"/);

  // The next import run fills them too.
  await store.update((library) => {
    for (const photo of Object.values(library.photos)) delete photo.place;
  });
  await importPhotos(store, paths, { sources: [source] });
  assert.equal((await store.read()).photos[byFile.get('lyon.jpg')!.name]!.place, { name: 'Lyon', country: 'FR' });
});

test("the image server serves a photo's caption facts beside it: the camera's date and the town of its GPS position", async () => {
  const home = await tempDir('photoframe-home-');
  const paths = homePaths(home);
  const source = await tempDir();
  await photoAt(join(source, 'lyon.jpg'), 45.7578, 4.832, 10);
  const [photo] = (await importPhotos(new LibraryStore(paths.store), paths, { sources: [source] })).imported;
  const token = 'captions-token-0123456789';
  const server = createImageServer({ paths, token });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const response = await fetch(`${url}/captions/${photo!.name}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.is(response.status, 200);
    const facts = decodeCaptionFacts(await response.text());
    assert.equal(facts, { ok: true, value: { taken: '2021-07-14T16:20:00', place: { name: 'Lyon', country: 'FR' } } });
    if (facts.ok) assert.is(captionText(facts.value, 'date_place', 'en-GB'), '14 July 2021 · Lyon, France');
    assert.is((await fetch(`${url}/captions/${photo!.name}`)).status, 401, "the images' token guards it");
    assert.is((await fetch(`${url}/captions/000000000000000000000000.jpg?token=${token}`)).status, 404);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test("caption words follow the display's locale; what is unknown is left out", () => {
  const facts = { taken: '2021-07-14T23:50:00', place: { name: 'Lyon', country: 'FR' } };
  assert.is(captionText(facts, 'date_place', 'en-GB'), '14 July 2021 · Lyon, France');
  assert.is(captionText(facts, 'date_place', 'de-DE'), '14. Juli 2021 · Lyon, Frankreich');
  assert.is(captionText(facts, 'date', 'en-US'), 'July 14, 2021', "the day the camera says, whatever the viewer's zone");
  assert.is(captionText({ taken: null, place: facts.place }, 'date', 'en-GB'), null);
  assert.is(captionText({ taken: null, place: facts.place }, 'date_place', 'en-GB'), 'Lyon, France');
  assert.is(captionText(facts, 'none', 'en-GB'), null);
  assert.is(captionText(null, 'date_place', 'en-GB'), null);
});

test('caption facts from the wire are checked', () => {
  assert.equal(decodeCaptionFacts('{"taken":null,"place":null}'), { ok: true, value: { taken: null, place: null } });
  for (const bad of ['[]', '{"taken":"yesterday","place":null}', '{"taken":null,"place":{"name":"X","country":"France"}}', '{"taken":null,"place":{"name":"","country":"FR"}}']) {
    assert.is(decodeCaptionFacts(bad).ok, false, bad);
  }
});

test.run();
