import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { grainyJpeg, tempDir, truncatedJpeg } from './helpers/fixtures.ts';
import { runCli } from './helpers/runCli.ts';

/**
 * Issue 16 §2: `photoframe import --wait --json` reports both phases as it
 * goes, the foreground's files recorded and then the background's photos
 * prepared, in lines of one type a script tells apart by `phase`, and the
 * preparation's last line says how many failed their check.
 */
test('import --wait --json: progress lines for the import, then for the preparation, then the report', async () => {
  const home = await tempDir('photoframe-progress-home-');
  const source = await tempDir();
  for (const [i, colour] of ([[30, 90, 200], [220, 40, 90], [200, 170, 90]] as const).entries()) {
    await (await grainyJpeg(320, 240, [...colour])).toFile(join(source, `photo-${i}.jpg`));
  }
  await truncatedJpeg(join(source, 'cut-short.jpg'));

  const result = await runCli(['--home', home, 'import', '--wait', '--json', source]);
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  const importing = lines.filter((line) => line.type === 'progress' && line.phase === 'importing');
  const preparing = lines.filter((line) => line.type === 'progress' && line.phase === 'preparing');
  assert.ok(importing.length > 0, result.stdout);
  assert.ok(preparing.length > 0, result.stdout);
  // In that order: every foreground line before the first preparation line, the report last.
  assert.ok(lines.lastIndexOf(importing.at(-1)!) < lines.indexOf(preparing[0]!), result.stdout);
  assert.is(lines.at(-1)!.type, 'report');
  assert.equal([importing.at(-1)!.done, importing.at(-1)!.total, importing.at(-1)!.imported], [4, 4, 4]);
  const last = preparing.at(-1)!;
  assert.equal([last.done, last.total, last.ready, last.failed], [4, 4, 3, 1], result.stdout);
  for (const line of preparing) {
    assert.type(line.elapsedMs, 'number');
    assert.type(line.rate, 'number');
    assert.ok(line.etaMs === null || typeof line.etaMs === 'number');
  }
  assert.match(result.stderr, /cut-short|failed its check/);
});

test.run();
