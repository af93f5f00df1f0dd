import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCommandLine, splitWords } from '../console/tui/app/commandLine.ts';
import { KeyRegistry } from '../console/tui/app/keyRegistry.ts';
import { helpColumns } from '../console/tui/app/helpText.ts';
import { halfBlockCells, previewColorsFor, xterm256 } from '../console/tui/preview/halfBlocks.ts';
import { fit, layoutColumns } from '../console/tui/widgets/columns.ts';
import { LineInput } from '../console/tui/widgets/lineInput.ts';
import { emptyLibrary, shapeOf, type Library, type PhotoRecord } from '../data/library/librarySchema.ts';
import { setAlbumRule } from '../data/library/albums.ts';
import { MAX_RULE_NESTING } from '../data/library/ruleNesting.ts';
import { evaluateRule, formatRule, parseRule, RuleError } from '../data/library/smartRules.ts';

const logic = suite('console logic');

function photo(name: string, source: string, width: number, height: number, takenAt: string | null): PhotoRecord {
  return {
    name, sha256: name, format: 'jpeg', width, height, orientation: 1, takenAt, takenAtOffset: null, takenAtSource: takenAt ? 'exif' : null,
    shape: shapeOf(width, height), camera: null, gps: null, title: null, keywords: [], bytes: 1, importedAt: '2024-01-01T00:00:00Z',
    sources: [source], sourceStamps: {}, storage: 'copy',
  };
}

function library(): Library {
  const lib = emptyLibrary();
  for (const p of [
    { ...photo('a.jpg', '/pics/beach/IMG_1.jpg', 300, 200, '2023-07-01T10:00:00'), keywords: ['Beach', 'Sun'] },
    { ...photo('b.jpg', '/pics/beach/IMG_2.jpg', 200, 300, '2023-08-15T10:00:00'), title: 'Beach at dusk' },
    photo('c.jpg', '/pics/work/IMG_3.jpg', 200, 200, '2022-12-31T23:59:00'),
    photo('d.jpg', '/pics/misc/scan.jpg', 400, 300, null),
  ]) lib.photos[p.name] = p;
  lib.albums.push({ id: 'fav', name: 'Favourites', photos: ['b.jpg', 'c.jpg'], createdAt: '' });
  return lib;
}

logic('smart rules: each condition, negation, and conditions combined with and', () => {
  const lib = library();
  const match = (...texts: string[]) => evaluateRule(parseRule(texts, lib), lib);
  assert.equal(match('keyword:beach'), ['a.jpg', 'b.jpg']);
  assert.equal(match('-keyword:beach'), ['c.jpg', 'd.jpg']);
  // Folders and extensions are not keywords: they belong to name: and the / filter.
  assert.equal(match('keyword:work'), []);
  assert.equal(match('keyword:jpg'), []);
  assert.equal(match('keyword:pics'), []);
  assert.equal(match('name:img_3'), ['c.jpg']);
  assert.equal(match('orientation:portrait'), ['b.jpg']);
  assert.equal(match('orientation:square'), ['c.jpg']);
  assert.equal(match('taken:2023-07-01..2023-07-31'), ['a.jpg']);
  assert.equal(match('taken:..2022-12-31'), ['c.jpg']);
  assert.equal(match('year:2023'), ['a.jpg', 'b.jpg']);
  assert.equal(match('album:Favourites'), ['b.jpg', 'c.jpg']);
  assert.equal(match('album:Favourites', 'year:2023'), ['b.jpg']);
  assert.is(formatRule(parseRule(['-keyword:Beach', 'album:Favourites'], lib), lib), '-keyword:beach album:Favourites');
  lib.albums[0]!.name = 'My Favourites';
  assert.is(formatRule(parseRule(splitWords('album:"My Favourites" year:2023'), lib), lib), 'album:"My Favourites" year:2023');
});

logic('smart rules: bad rules are RuleErrors naming the problem; text is never code', () => {
  const lib = library();
  const problem = (text: string) => {
    try {
      parseRule([text], lib);
    } catch (error) {
      assert.instance(error, RuleError);
      return (error as Error).message;
    }
    assert.unreachable(`"${text}" parsed`);
  };
  assert.match(problem('colour:red')!, /unknown field "colour"/);
  assert.match(problem('year:23')!, /four digits/);
  assert.match(problem('taken:2023-02-01..2023-01-01')!, /ends before it starts/);
  assert.match(problem('album:Nope')!, /no album "Nope"/);
  assert.match(problem('-year:2023')!, /only keyword can be negated/);
  // A "rule" that looks like code is only ever a substring to look for.
  assert.equal(evaluateRule(parseRule(['keyword:process.exit(1)'], lib), lib), []);
});

logic('smart albums that refer to each other in a cycle match nothing instead of looping', () => {
  const lib = library();
  lib.albums.push({ id: 's1', name: 'S1', photos: [], createdAt: '', rule: { all: [{ kind: 'album', albumId: 's2' }] } });
  lib.albums.push({ id: 's2', name: 'S2', photos: [], createdAt: '', rule: { all: [{ kind: 'album', albumId: 's1' }] } });
  assert.equal(evaluateRule(lib.albums[1]!.rule!, lib), []);
});

logic('nested smart albums are evaluated once each, not once per path to them', () => {
  const lib = library();
  // A ladder: each level's two albums both refer to both of the level below, so every path doubles.
  const levels = 12;
  for (let level = 0; level < levels; level++) {
    for (const side of ['l', 'r']) {
      const below = level === 0 ? [{ kind: 'album' as const, albumId: 'fav' }] : ['l', 'r'].map((s) => ({ kind: 'album' as const, albumId: `${s}${level - 1}` }));
      lib.albums.push({ id: `${side}${level}`, name: `${side}${level}`, photos: [], createdAt: '', rule: { all: below } });
    }
  }
  let passes = 0;
  // Each rule evaluated is one pass over the photos: count the passes.
  lib.photos = new Proxy(lib.photos, { ownKeys: (target) => (passes++, Reflect.ownKeys(target)) });
  assert.equal(evaluateRule({ all: [{ kind: 'album', albumId: `l${levels - 1}` }] }, lib), ['b.jpg', 'c.jpg']);
  assert.ok(passes <= 2 * levels + 1, `${passes} passes for ${2 * levels} smart albums`);
});

logic('a rule that would make smart albums refer to themselves, or nest too deep, is refused', () => {
  const lib = library();
  const { album: a } = setAlbumRule(lib, 'A', parseRule(['album:Favourites'], lib));
  setAlbumRule(lib, 'B', parseRule(['album:A'], lib));
  const before = structuredClone(lib.albums);
  assert.throws(() => setAlbumRule(lib, 'A', parseRule(['album:B'], lib)), (error: Error) => error instanceof RuleError && /"A" would refer to itself: A → B → A/.test(error.message));
  assert.throws(() => setAlbumRule(lib, 'A', parseRule(['album:A'], lib)), (error: Error) => error instanceof RuleError && /refer to itself/.test(error.message));
  assert.equal(lib.albums, before, 'nothing changed');
  assert.is(a.rule!.all[0]!.kind, 'album');
  let previous = 'B';
  for (let i = 3; i <= MAX_RULE_NESTING; i++) previous = setAlbumRule(lib, `N${i}`, parseRule([`album:${previous}`], lib)).album.name;
  assert.throws(() => setAlbumRule(lib, 'TooDeep', parseRule([`album:${previous}`], lib)), (error: Error) => error instanceof RuleError && /nest 9 smart albums deep; at most 8/.test(error.message));
  assert.not.ok(lib.albums.some((album) => album.name === 'TooDeep'));
});

logic('key registry: one table gives the key lookup, the hints that fit and the help', () => {
  const keys = new KeyRegistry();
  const ran: string[] = [];
  keys.addGlobal({ keys: ['?'], hint: 'help', essential: true, description: 'this help', run: () => void ran.push('help') });
  keys.addGlobal({ keys: ['j', 'down'], description: 'down', run: () => void ran.push('down') });
  const view = { title: 'albums', bindings: [{ keys: ['n'], hint: 'new', description: 'create an album', run: () => void ran.push('new') }] };
  keys.find(view, 'down')!.run();
  keys.find(view, 'n')!.run();
  assert.equal(ran, ['down', 'new']);
  assert.is(keys.find(view, 'z'), undefined);
  assert.is(keys.hints(view, 80), '? help  n new');
  assert.is(keys.hints(view, 8), '? help');
  assert.equal(keys.helpSections(view), [
    { title: 'albums', entries: [['n', 'create an album']] },
    { title: 'everywhere', entries: [['?', 'this help'], ['j down', 'down']] },
  ]);
  // Descriptions start after the widest key of the list and wrap under themselves.
  assert.equal(helpColumns([['n', 'create an album'], [':restart-screen DISPLAY|GROUP', 'restart the screen of the display']], 60), [
    '  n                              create an album',
    '  :restart-screen DISPLAY|GROUP  restart the screen of the',
    '                                 display',
  ]);
});

logic('command line and words', () => {
  assert.equal(parseCommandLine(':album  Summer 2023 '), { verb: 'album', argument: 'Summer 2023' });
  assert.equal(parseCommandLine('NEXT kitchen'), { verb: 'next', argument: 'kitchen' });
  assert.is(parseCommandLine('  '), null);
  assert.equal(splitWords('year:2023 album:"Summer 2023"  -keyword:x'), ['year:2023', 'album:Summer 2023', '-keyword:x']);
  const line = new LineInput('ab');
  assert.is(line.key('backspace', undefined), 'edited');
  assert.is(line.key('c', 'c'), 'edited');
  assert.is(line.text, 'ac');
  assert.is(line.key('enter', '\r'), 'submitted');
});

logic('columns: optional ones go first when narrow; text is cut with an ellipsis', () => {
  const columns = [{ title: 'A', width: 'flex' as const }, { title: 'B', width: 10 }, { title: 'C', width: 30, optional: true }];
  assert.equal(layoutColumns(columns, 100).map((c) => c.index), [0, 1, 2]);
  assert.equal(layoutColumns(columns, 40).map((c) => c.index), [0, 1]);
  assert.is(fit('kitchen display', 8), 'kitchen…');
  assert.is(fit('tv', 4), 'tv  ');
});

logic('half blocks: two pixels a cell; 256-colour fallback picks the nearest palette entry', () => {
  assert.is(xterm256(255, 0, 0), 196);
  assert.is(xterm256(0, 0, 0), 16);
  assert.is(xterm256(128, 128, 128), 244);
  const rgb = new Uint8Array([255, 0, 0, 0, 0, 255]); // 1×2: red above blue
  // Cells as blessed holds them: (fg << 9) | bg, and the text drawn.
  assert.equal(halfBlockCells(rgb, 1, 2, 'truecolor'), [[[(196 << 9) | 21, '\x1b[38;2;255;0;0;48;2;0;0;255m▀']]]);
  assert.equal(halfBlockCells(rgb, 1, 2, '256'), [[[(196 << 9) | 21, '▀']]]);
  assert.is(previewColorsFor({ COLORTERM: 'truecolor' }), 'truecolor');
  assert.is(previewColorsFor({ TERM: 'xterm-256color' }), '256');
});

logic.run();
