/**
 * Runs the test files, each in its own uvu process, several at once. Most
 * files spend their time waiting on real components (etcd, Xvfb, viewer
 * processes), so two or three files side by side use a 2-core machine far
 * better than one process running them all in turn. Each file's output is
 * printed whole when it ends, so reports never interleave.
 *
 *   node --import tsx scripts/runTestFiles.ts [--jobs N] [--timeout SECONDS] [PATTERN]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { writeFileAtomic } from '../common/atomicFile.ts';
import { buildDist } from './buildDist.ts';
import { longestFirst } from './testRun/testOrder.ts';
import { failuresOf, parseUvuSummary, type UvuCounts } from './testRun/uvuSummary.ts';

interface FileResult {
  file: string;
  counts: UvuCounts | null;
  failures: number;
  seconds: number;
}

const DURATIONS_PATH = '.state/test-durations.json';

function parseArguments(argv: readonly string[]): { jobs: number; timeoutSeconds: number; pattern: RegExp } {
  // At least two (the files mostly wait), at most four: beyond that, etcds, Xvfbs and viewers crowd memory, not the cores.
  let jobs = Number(process.env.PHOTOFRAME_TEST_JOBS ?? '') || Math.min(4, Math.max(2, availableParallelism()));
  let timeoutSeconds = 600;
  let pattern = /\.test\.ts$/;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const positive = (flag: string): number => {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} wants a whole number above 0, not "${argv[i] ?? ''}"`);
      return value;
    };
    if (arg === '--jobs') jobs = positive(arg);
    else if (arg === '--timeout') timeoutSeconds = positive(arg);
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}; use --jobs N, --timeout SECONDS or a file name pattern`);
    else pattern = new RegExp(arg, 'i');
  }
  return { jobs, timeoutSeconds, pattern };
}

function testFiles(dir: string, pattern: RegExp): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...testFiles(path, pattern));
    else if (/\.test\.ts$/.test(entry.name) && pattern.test(relative('test', path))) found.push(relative('test', path));
  }
  return found;
}

function recordedDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(DURATIONS_PATH, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function runFile(file: string, timeoutSeconds: number): Promise<FileResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    // Its own process group, so a timeout also stops what the file started (etcd, Xvfb, viewers).
    const child = spawn(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', `^${escapeRegExp(file)}$`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, timeoutSeconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      let text = Buffer.concat(output).toString();
      if (timedOut) text += `\n${file} did not finish within ${timeoutSeconds} s and was stopped\n`;
      const counts = timedOut ? null : parseUvuSummary(text);
      const failures = failuresOf(counts, timedOut ? 1 : code);
      process.stdout.write(`\n── ${file} (${seconds.toFixed(1)} s)${failures ? ` ${failures} FAILED` : ''}\n${text}`);
      resolve({ file, counts, failures, seconds });
    });
  });
}

async function main(): Promise<number> {
  const { jobs, timeoutSeconds, pattern } = parseArguments(process.argv.slice(2));
  const files = testFiles('test', pattern);
  if (files.length === 0) {
    console.error(`no test file matches ${pattern}`);
    return 1;
  }
  // One bundle of the sources under test for every file: the CLI and viewer processes the tests
  // start run it (test/helpers/runCli.ts, deployedViewer.ts), as a Pi runs dist/.
  const bundleDir = `.state/test-bundle-${process.pid}`;
  process.env.PHOTOFRAME_TEST_BUNDLE = resolvePath(buildDist(bundleDir));
  process.once('exit', () => rmSync(bundleDir, { recursive: true, force: true }));
  const recorded = recordedDurations();
  // A file never timed here is estimated from its size: long test files are the slow ones.
  const queue = longestFirst(files, recorded, (file) => statSync(join('test', file)).size / 200);
  const results: FileResult[] = [];
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) results.push(await runFile(file, timeoutSeconds));
  };
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));

  const durations = { ...recorded, ...Object.fromEntries(results.map((r) => [r.file, Math.round(r.seconds * 10) / 10])) };
  mkdirSync(dirname(DURATIONS_PATH), { recursive: true });
  await writeFileAtomic(DURATIONS_PATH, `${JSON.stringify(durations, null, 2)}\n`).catch(() => undefined);

  const passed = results.reduce((sum, r) => sum + (r.counts?.passed ?? 0), 0);
  const skipped = results.reduce((sum, r) => sum + (r.counts?.skipped ?? 0), 0);
  const failed = results.reduce((sum, r) => sum + r.failures, 0);
  const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 5);
  console.log(`\nslowest files: ${slowest.map((r) => `${r.file} ${r.seconds.toFixed(1)} s`).join(', ')}`);
  for (const r of results) if (r.failures) console.log(`failed: ${r.file}`);
  console.log(`${files.length} files, ${jobs} at a time, in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`cannot run the tests: ${(error as Error).message}`);
    process.exit(2);
  },
);
