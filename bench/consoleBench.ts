/**
 * The console on a generated library of 100,000 photos: first screen, a
 * filter keystroke, a keystroke while an edit is saving, and an album change
 * reaching another session (in-process, and from another process's write).
 * Each beside the reference a user would otherwise have.
 */
import blessed from 'blessed';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { connectEtcd } from '../common/etcd/etcdClient.ts';
import { startLocalEtcd } from '../common/etcd/localEtcd.ts';
import { homePaths } from '../common/homePaths.ts';
import { ConsoleApp } from '../console/tui/app/consoleApp.ts';
import { openConsoleServices, type ConsoleServices } from '../console/tui/app/consoleServices.ts';
import { consoleViews } from '../console/tui/views/rootViews.ts';
import { createAlbum } from '../data/library/albums.ts';
import { emptyLibrary, type Library } from '../data/library/librarySchema.ts';
import { LibraryStore } from '../data/library/libraryStore.ts';
import { percentile, timeMs, type Sample } from './benchHarness.ts';

const PHOTOS = 100_000;
const WORDS = ['beach', 'family', 'garden', 'snow', 'city', 'party', 'forest', 'lake'];

/** A library as an import of years of camera folders leaves it. */
export function generatedLibrary(count = PHOTOS): Library {
  const library = emptyLibrary();
  for (let i = 0; i < count; i++) {
    const name = `${(i * 2654435761).toString(16).padStart(24, '0').slice(-24)}.jpg`;
    const year = 2010 + (i % 15);
    const word = WORDS[i % WORDS.length]!;
    library.photos[name] = {
      name,
      sha256: name.repeat(2).slice(0, 64),
      format: 'jpeg',
      width: i % 3 === 0 ? 3000 : 4000,
      height: i % 3 === 0 ? 4000 : 3000,
      orientation: 1,
      takenAt: `${year}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}T12:00:00`,
      takenAtOffset: null,
      takenAtSource: 'exif',
      shape: i % 3 === 0 ? 'V' : 'H',
      camera: 'Camera X100',
      gps: null,
      title: null,
      keywords: [word],
      bytes: 4_000_000 + i,
      importedAt: '2024-01-01T00:00:00.000Z',
      sources: [`/home/me/Pictures/${year}/${word}/IMG_${String(i).padStart(6, '0')}.jpg`],
      sourceStamps: {},
      storage: 'copy',
    };
  }
  const names = Object.keys(library.photos);
  for (let a = 0; a < 40; a++) library.albums.push({ id: `album-${a}`, name: `Album ${a}`, photos: names.filter((_, i) => i % 40 === a).slice(0, 2000), createdAt: '2024-01-01T00:00:00.000Z' });
  return library;
}

function session(services: ConsoleServices, who: string) {
  const input = new PassThrough();
  const output = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app = new ConsoleApp(services, { input, output, columns: 120, rows: 40, terminal: 'xterm-256color', colorMode: '256' }, who, consoleViews);
  const until = (test: (text: string) => boolean) =>
    new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 60_000;
      const check = () => {
        if (test(app.screenText())) return resolve();
        if (Date.now() > deadline) return reject(new Error(`${who}: screen never matched; shows:\n${app.screenText()}`));
        setImmediate(check);
      };
      check();
    });
  return { app, input, until };
}

/** Time from sending a key until the screen shows what it should. */
async function keyLatency(s: ReturnType<typeof session>, key: string, shows: (text: string) => boolean): Promise<number> {
  return timeMs(async () => {
    s.input.write(key);
    await s.until(shows);
  });
}

export async function benchConsole(scratch: string): Promise<Sample[]> {
  const samples: Sample[] = [];
  const home = join(scratch, 'console-home');
  await mkdir(home, { recursive: true });
  const paths = homePaths(home);
  const library = generatedLibrary();
  // Through the store, so the file layout (photos in their own file) is the real one.
  await new LibraryStore(paths.store).update((draft) => {
    draft.photos = library.photos;
    draft.albums = library.albums;
  });
  const etcd = await startLocalEtcd({ dataDir: join(scratch, 'console-etcd') });
  const client = await connectEtcd([etcd.endpoint]);
  try {
    // Start → first screen: read the library once, open the etcd feed, draw.
    let services!: ConsoleServices;
    let first!: ReturnType<typeof session>;
    const start = await timeMs(async () => {
      services = await openConsoleServices(client, paths, etcd.endpoint);
      first = session(services, 'a');
      await first.until((t) => t.includes('Displays (') && t.includes(`${PHOTOS} photos`));
    });
    const bare = await timeMs(async () => {
      const screen = blessed.screen({ input: new PassThrough(), output: Object.assign(new Writable({ write: (_c, _e, d) => d() }), { columns: 120, rows: 40, isTTY: true }), terminal: 'xterm-256color', warnings: false } as unknown as blessed.Widgets.IScreenOptions);
      blessed.box({ parent: screen, content: 'photoframe' });
      screen.render();
      screen.destroy();
    });
    const readOnly = await timeMs(() => new LibraryStore(paths.store).read());
    samples.push({
      name: `console start → first screen, ${PHOTOS / 1000}k photos`,
      unit: 'ms',
      ours: start,
      reference: readOnly + bare,
      referenceName: 'reading the library file + a bare blessed screen',
      lowerIsBetter: true,
    });

    // Filter keystroke → list redrawn, over all 100k photos.
    first.input.write('3');
    await first.until((t) => t.includes(`Photos (${PHOTOS})`));
    first.input.write('/');
    await first.until((t) => t.includes('/'));
    const filterTimes: number[] = [];
    let typed = '';
    for (const ch of 'beach') {
      typed += ch;
      const label = new RegExp(`Photos \\(\\d+(?: of ${PHOTOS})?\\) /${typed} `);
      filterTimes.push(await keyLatency(first, ch, (t) => label.test(t)));
    }
    const allPhotos = Object.values(library.photos);
    const plainFilter: number[] = [];
    for (let i = 0; i < 5; i++) plainFilter.push(await timeMs(async () => void allPhotos.filter((p) => p.sources[0]!.toLowerCase().includes('beach'))));
    samples.push({
      name: `filter keystroke → screen, ${PHOTOS / 1000}k photos (median)`,
      unit: 'ms',
      ours: percentile(filterTimes, 50),
      reference: percentile(plainFilter, 50),
      referenceName: 'Array.filter over the photos alone, no screen',
      lowerIsBetter: true,
    });
    first.input.write('\r');
    first.input.write('q');
    await first.until((t) => t.includes(`Photos (${PHOTOS}) ─`));

    // A keystroke while an album edit is being saved (lock, clone, write, fsync of the 100k file).
    const moveTimes: number[] = [];
    const idleTimes: number[] = [];
    // Space marks the photo: the label's count is text on the screen, so the update can be seen.
    let marked = 0;
    const mark = () => {
      marked++;
      return keyLatency(first, ' ', (t) => t.includes(`· ${marked} marked`));
    };
    for (let i = 0; i < 5; i++) idleTimes.push(await mark());
    // Keys pressed one after another for as long as a save of the 100k library is in flight.
    for (let i = 0; i < 2; i++) {
      let saved = false;
      const saving = services.hub.update('bench', `album ${i}`, (lib) => void createAlbum(lib, `Saving ${i}`)).finally(() => (saved = true));
      while (!saved && moveTimes.length < 150 * (i + 1)) moveTimes.push(await mark());
      await saving;
    }
    samples.push({
      name: `keystroke → screen while an edit saves (median of ${moveTimes.length}, max ${Math.round(Math.max(...moveTimes))} ms)`,
      unit: 'ms',
      ours: percentile(moveTimes, 50),
      reference: percentile(idleTimes, 50),
      referenceName: 'the same keystroke with nothing saving',
      lowerIsBetter: true,
    });

    // An album change in one session → another session's albums view shows it.
    const other = session(services, 'b');
    other.input.write('2');
    await other.until((t) => t.includes('Albums ('));
    // Filtered, so the new albums are in view however many there are.
    for (const key of ['/', 'z', '\r']) other.input.write(key);
    await other.until((t) => t.includes('/z'));
    const inProcess = await timeMs(async () => {
      await services.hub.update('a', 'create', (lib) => void createAlbum(lib, 'Zeta bench'));
      await other.until((t) => t.includes('Zeta bench'));
    });
    const saveAlone = await timeMs(() => new LibraryStore(paths.store).update(() => {}));
    // Another process (the CLI, a local console) saves; from then on, the hub hears the folder and re-reads.
    await new LibraryStore(paths.store).update((lib) => void createAlbum(lib, 'Zz other process'));
    const crossProcess = await timeMs(() => other.until((t) => t.includes('Zz other process')));
    const reread = await timeMs(() => new LibraryStore(paths.store).read());
    samples.push({
      name: 'album change → other session, same process (incl. save)',
      unit: 'ms',
      ours: inProcess,
      reference: saveAlone,
      referenceName: 'LibraryStore.update alone, no console (the save)',
      lowerIsBetter: true,
    });
    samples.push({
      name: 'album saved by another process → session shows it',
      unit: 'ms',
      ours: crossProcess,
      reference: reread,
      referenceName: 'one full library re-read (old console: on every etcd event)',
      lowerIsBetter: true,
    });
    other.app.close();
    first.app.close();
    await services.close();
  } finally {
    client.close();
    await etcd.stop();
  }
  return samples;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { printTable } = await import('./benchHarness.ts');
  process.env.PHOTOFRAME_LOG ??= 'error';
  const scratch = await mkdtemp(join(tmpdir(), 'photoframe-console-bench-'));
  try {
    printTable(await benchConsole(scratch));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
