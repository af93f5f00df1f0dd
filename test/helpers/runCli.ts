import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { stopChildProcess } from '../../common/process/stopChildProcess.ts';

/**
 * The CLI the tests run: the bundle scripts/runTestFiles.ts builds once from
 * the sources under test (a tenth of the start-up CPU of tsx's loader, paid
 * by every one of hundreds of commands), or the sources through bin/ when a
 * file is run on its own.
 */
export const CLI = process.env.PHOTOFRAME_TEST_BUNDLE ?? fileURLToPath(new URL('../../bin/photoframe.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `photoframe ...` as a user would, in its own process. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface LongRunning {
  child: ChildProcess;
  /** Every stderr and stdout line so far. */
  lines: string[];
  /** Resolves with the first line (already seen or future) matching the pattern. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Starts a long-running command (serve, viewer) and follows its output. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): LongRunning {
  return startNodeProcess([CLI, ...args], env);
}

/** Starts `node <nodeArgs>` (flags, a script, its arguments) and follows its output. */
export function startNodeProcess(nodeArgs: string[], env: NodeJS.ProcessEnv = {}): LongRunning {
  const child = spawn(process.execPath, nodeArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; from: number; resolve: (line: string) => void }[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    if (process.env.PHOTOFRAME_TEST_VERBOSE) process.stderr.write(`  | ${line}\n`);
    for (const waiter of [...waiters]) {
      if (lines.length - 1 >= waiter.from && waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines,
    waitFor(pattern, timeoutMs = 20_000, from = 0) {
      const seen = lines.slice(from).find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${lines.slice(-30).join('\n')}`));
        }, timeoutMs);
        waiters.push({
          pattern,
          from,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`process exited before printing ${pattern}; output:\n${lines.slice(-30).join('\n')}`));
        });
      });
    },
    stop: () => stopChildProcess(child),
  };
}

/** `photoframe` run against one test etcd and home: the full arguments, and a run that must succeed. */
export function cliAt(place: { etcd: { endpoint: string }; home: string }) {
  const args = (...rest: string[]) => ['--etcd', place.etcd.endpoint, '--home', place.home, ...rest];
  const ok = async (...rest: string[]): Promise<string> => {
    const result = await runCli(args(...rest));
    if (result.code !== 0) throw new Error(`photoframe ${rest.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  };
  return { args, ok, json: async (...rest: string[]) => JSON.parse(await ok(...rest, '--json')) };
}
