import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { longestFirst } from '../scripts/testRun/testOrder.ts';
import { failuresOf, parseUvuSummary } from '../scripts/testRun/uvuSummary.ts';

const uvuBin = resolve('node_modules/uvu/bin.js');

/** Runs real uvu on one throwaway test file and returns its output and exit code. */
function runUvu(source: string): { output: string; code: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'uvu-run-'));
  try {
    writeFileSync(join(dir, 'sample.test.mjs'), source);
    const run = spawnSync(process.execPath, [uvuBin, dir, 'sample\\.test\\.mjs$'], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '1' } });
    return { output: run.stdout + run.stderr, code: run.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const header = `import { test } from '${new URL('../node_modules/uvu/dist/index.mjs', import.meta.url).href}';\n`;

test('a failing test in a file is counted as a failure, through uvu\'s coloured summary', () => {
  const { output, code } = runUvu(`${header}test('fine', () => {});\ntest('broken', () => { throw new Error('no'); });\ntest.skip('later', () => {});\ntest.run();\n`);
  const counts = parseUvuSummary(output);
  // uvu's Total leaves the skipped test out, so a skip can never hide a failure in the count.
  assert.equal(counts, { total: 2, passed: 1, skipped: 1 });
  assert.is(failuresOf(counts, code), 1);
});

test('a file that dies before its summary counts as one failure, not as none', () => {
  const { output, code } = runUvu(`${header}process.exit(3);\n`);
  assert.is(parseUvuSummary(output), null);
  assert.is(failuresOf(null, code), 1);
});

test('a passing file has no failures', () => {
  const { output, code } = runUvu(`${header}test('fine', () => {});\ntest.run();\n`);
  assert.is(failuresOf(parseUvuSummary(output), code), 0);
});

test('slow files start first; files with no record go by their estimate', () => {
  const order = longestFirst(['a', 'b', 'c', 'd'], { a: 3, b: 40, c: 12 }, () => 20);
  assert.equal(order, ['b', 'd', 'c', 'a']);
});

test.run();
