import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const DRIVER = fileURLToPath(new URL('./ptyDriver.py', import.meta.url));

/** A program in a real pseudo-terminal (python's pty module), as a person at a terminal runs it. */
export interface PtyProcess {
  /** Everything written so far, escape sequences removed. */
  text(): string;
  /** Raw bytes written so far. */
  raw(): string;
  keys(text: string): void;
  resize(columns: number, rows: number): void;
  waitFor(pattern: RegExp | string, timeoutMs?: number, fromRaw?: number): Promise<void>;
  exited: Promise<number>;
  close(): Promise<number>;
}

export function stripEscapes(text: string): string {
  return text
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, ' ')
    .replace(/\x1b[()][0-9A-Za-z]/g, '')
    .replace(/\x1b[=>78]/g, '')
    .replace(/\x1b\][^\x07]*\x07/g, '');
}

export function startPty(command: string[], columns = 100, rows = 30, env: NodeJS.ProcessEnv = {}): PtyProcess {
  const child = spawn('python3', [DRIVER, String(columns), String(rows), ...command], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let raw = '';
  child.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (raw += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  let done = false;
  void exited.then(() => (done = true));
  const send = (message: unknown) => {
    if (!done) child.stdin.write(`${JSON.stringify(message)}\n`);
  };
  return {
    text: () => stripEscapes(raw),
    raw: () => raw,
    keys: (text) => send({ keys: text }),
    resize: (c, r) => send({ resize: [c, r] }),
    async waitFor(pattern, timeoutMs = 15_000, fromRaw = 0) {
      const deadline = Date.now() + timeoutMs;
      const test = (t: string) => (typeof pattern === 'string' ? t.includes(pattern) : pattern.test(t));
      while (!test(stripEscapes(raw.slice(fromRaw)))) {
        if (Date.now() > deadline) throw new Error(`terminal never showed ${pattern}; last output:\n${stripEscapes(raw).slice(-1500)}`);
        if (done && !test(stripEscapes(raw.slice(fromRaw)))) throw new Error(`program exited before showing ${pattern}; output:\n${stripEscapes(raw).slice(-1500)}`);
        await sleep(25);
      }
    },
    exited,
    async close() {
      send({ close: true });
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
