import { PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3 } from 'etcd3';
import { homePaths } from '../../common/homePaths.ts';
import { ConsoleApp, type ColorMode } from '../../console/tui/app/consoleApp.ts';
import { openConsoleServices, type ConsoleServices } from '../../console/tui/app/consoleServices.ts';
import { consoleViews } from '../../console/tui/views/rootViews.ts';
import { TerminalModel } from './terminalModel.ts';

/** A console session on in-memory streams: keys in, the drawn screen's text out. */
export interface TestSession {
  app: ConsoleApp;
  /** Every byte the session wrote to its terminal. */
  written(): string;
  keys(...sequences: string[]): void;
  type(text: string): void;
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  text(): string;
  /** What the terminal shows, from every byte written (blessed's own buffer included or not). */
  terminal: TerminalModel;
  /** Waits until the terminal model shows the pattern. */
  waitForTerminal(pattern: RegExp | string | ((terminal: TerminalModel) => boolean), timeoutMs?: number): Promise<string>;
  /** The terminal and the session change size together, as an SSH window-change or SIGWINCH. */
  resize(columns: number, rows: number): void;
  /** Cells of blessed's screen buffer holding this character. */
  bufferCount(ch: string): number;
}

export const KEY = { enter: '\r', escape: '\x1b', tab: '\t', up: '\x1b[A', down: '\x1b[B', left: '\x1b[D', right: '\x1b[C', backspace: '\x7f', ctrlC: '\x03' };

export async function openServices(client: Etcd3, home: string): Promise<ConsoleServices> {
  return openConsoleServices(client, homePaths(home), 'test');
}

export function openSession(services: ConsoleServices, who = 'test', size = { columns: 100, rows: 30 }, colorMode: ColorMode = '256'): TestSession {
  const input = new PassThrough();
  let bytes = '';
  const terminal = new TerminalModel(size.columns, size.rows);
  const output = new Writable({
    write(chunk, _encoding, done) {
      bytes += chunk.toString();
      terminal.write(chunk.toString());
      done();
    },
  });
  const app = new ConsoleApp(services, { input, output, columns: size.columns, rows: size.rows, terminal: 'xterm-256color', colorMode }, who, consoleViews);
  const session: TestSession = {
    app,
    written: () => bytes,
    keys: (...sequences) => {
      // One write per key, as a person types: blessed reads a burst of bytes as one sequence.
      for (const sequence of sequences) input.write(sequence);
    },
    type: (text) => {
      for (const ch of text) input.write(ch);
    },
    text: () => app.screenText(),
    terminal,
    resize: (columns, rows) => {
      terminal.resize(columns, rows);
      app.resize(columns, rows);
    },
    bufferCount: (ch) => {
      const lines = (app.screen as unknown as { lines: [number, string][][] }).lines;
      return lines.reduce((sum, row) => sum + row.filter((cell) => cell[1].includes(ch)).length, 0);
    },
    waitForTerminal: async (pattern, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      const matches = () =>
        typeof pattern === 'function' ? pattern(terminal) : typeof pattern === 'string' ? terminal.text().includes(pattern) : pattern.test(terminal.text());
      for (;;) {
        if (matches()) return terminal.text();
        if (Date.now() > deadline) throw new Error(`terminal never showed ${pattern}; it shows:\n${terminal.text()}`);
        await sleep(20);
      }
    },
    waitFor: async (pattern, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      const matches = (text: string) => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
      for (;;) {
        const text = app.screenText();
        if (matches(text)) return text;
        if (Date.now() > deadline) throw new Error(`screen never showed ${pattern}; it shows:\n${text}`);
        await sleep(20);
      }
    },
  };
  return session;
}
