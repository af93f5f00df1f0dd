import blessed from 'blessed';
import { RefreshPacer } from './refreshPacer.ts';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { reasonOf, UserError } from '../../../common/userError.ts';
import { groupsOf, type Library } from '../../../data/library/librarySchema.ts';
import { completeCommandLine, completeName, type Completion } from './nameCompletion.ts';
import { helpColumns, wrapWords } from './helpText.ts';
import { LineInput } from '../widgets/lineInput.ts';
import { findCommand, parseCommandLine, type CommandSpec } from './commandLine.ts';
import type { ConsoleServices } from './consoleServices.ts';
import { KeyRegistry, type KeyScope } from './keyRegistry.ts';
import type { View } from './view.ts';
import { clampTerminalSize } from './terminalSize.ts';
import { queueStatusLine } from './queueStatus.ts';

const photoCounts = new WeakMap<Library, number>();
/** Counting 100,000 keys on every render would cost more than the render; once per library object. */
function photoCount(library: Library): number {
  let count = photoCounts.get(library);
  if (count === undefined) photoCounts.set(library, (count = Object.keys(library.photos).length));
  return count;
}

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;
const STATUS_CLEAR_MS = 5000;
const TICK_MS = 1000;
/** Changes from etcd redraw the view at most this often; keys, the library and events at once (see refreshPacer.ts). */
const DATA_REFRESH_MS = 200;

export type ColorMode = 'truecolor' | '256';

/** A terminal as a console session gets it: from a local TTY or an SSH channel. */
export interface TerminalStreams {
  input: Readable;
  output: Writable;
  columns: number;
  rows: number;
  /** The TERM name, e.g. xterm-256color. */
  terminal: string;
  colorMode: ColorMode;
}

/** What a view can ask of its session. */
export interface SessionContext {
  readonly services: ConsoleServices;
  readonly screen: blessed.Widgets.Screen;
  readonly body: blessed.Widgets.BoxElement;
  /** Who this session is, for the events pane: `ssh alice`, `console`. */
  readonly who: string;
  readonly colorMode: ColorMode;
  status(message: string, error?: boolean): void;
  /** Runs an action without blocking keys; its result or error goes to the status line and events. */
  run(action: () => Promise<string | void>): Promise<void>;
  prompt(label: string, initial?: string, options?: PromptOptions): Promise<string | null>;
  /** A prompt whose label is recomputed on every keystroke, e.g. a rule's live match count. */
  promptLive(initial: string, label: (text: string) => string, options?: PromptOptions): Promise<string | null>;
  confirm(question: string, action: string): Promise<boolean>;
  /** A dialog with Cancel (focused) and several actions: the index of the one chosen, or null. */
  choose(question: string, actions: string[]): Promise<number | null>;
  push(view: View): void;
  back(): void;
  /** Makes one of the root views the only one on the stack. */
  switchTo(view: View): void;
  quit(): void;
  render(): void;
  /** Opens a view by `:` verb, e.g. `album Vacation`; the app's views fill this in. */
  command(text: string): Promise<void>;
  /** The display or group selected in the view on top, if it has one. */
  selectedTarget(): string | null;
}

/** What a prompt takes: the names Tab completes, a check on enter, the line shown under it. */
export interface PromptOptions {
  /** The names Tab completes (every album, display and group name unless said). */
  complete?: NameKind | 'none';
  /** Run on enter: a problem keeps the prompt open with the text as typed, the problem shown under it. */
  check?(text: string): string | null;
  /** Shown under the input while it is open, e.g. the fields a rule may use; a function to follow the text. */
  hint?: string | ((text: string) => string | null);
}

export type NameKind = 'albums' | 'displays' | 'groups' | 'targets' | 'all';

export type RootViews = (context: SessionContext) => { views: View[]; commands: CommandSpec[] };

type Mode =
  | { kind: 'normal' }
  | {
      kind: 'input';
      label: string;
      line: LineInput;
      onChange?: (text: string) => string | void;
      done: (text: string | null) => void;
      options: PromptOptions;
      complete: (text: string) => Completion;
      /** Set by a refused enter or a Tab with several choices; cleared by the next edit. */
      note?: { text: string; error: boolean };
    }
  /** `focus` 0 is Cancel, 1… the actions. */
  | { kind: 'confirm'; question: string; actions: string[]; focus: number; done: (chosen: number | null) => void }
  | { kind: 'help' };

/**
 * One console session on one terminal. Everything it draws hangs off its own
 * blessed screen, made from the streams it was given; nothing uses blessed's
 * global screen, and an exception in a handler is shown on this session's
 * status line instead of reaching other sessions or the process.
 */
export class ConsoleApp implements SessionContext {
  readonly screen: blessed.Widgets.Screen;
  readonly body: blessed.Widgets.BoxElement;
  readonly keys = new KeyRegistry();
  readonly exited: Promise<void>;
  private readonly input = new PassThrough();
  private readonly output: Writable & { columns: number; rows: number; isTTY: boolean };
  private readonly titleBar: blessed.Widgets.BoxElement;
  private readonly statusLine: blessed.Widgets.BoxElement;
  private readonly hintsBar: blessed.Widgets.BoxElement;
  private readonly tooSmall: blessed.Widgets.BoxElement;
  private readonly overlay: blessed.Widgets.BoxElement;
  private readonly stack: View[] = [];
  private roots: View[] = [];
  private rootCommands: CommandSpec[] = [];
  private mode: Mode = { kind: 'normal' };
  private statusTimer: NodeJS.Timeout | undefined;
  /** A message is on the status line; without one it shows the preparation queue. */
  private statusMessage = false;
  private readonly ticker: NodeJS.Timeout;
  private readonly pacer = new RefreshPacer(
    (onlyEtcd) =>
      this.guard(() => {
        if (this.closed) return;
        const view = this.top();
        // Changes from etcd alone: a view that can tell draws only what they touched, and when that is
        // nothing on screen (1,000 displays' status keys, most of them scrolled off), nothing is rendered.
        const drew = onlyEtcd && view?.refreshLive ? view.refreshLive() : (view?.refresh(), true);
        if (!drew && this.titleText() === this.drawnTitle) return;
        // Inside a key, its own render follows: one render per key, not one for what was held back and one for the key.
        if (this.inKey) this.renderAfterKey = true;
        else this.renderNow();
      }),
    DATA_REFRESH_MS,
  );
  /** Handling a key now, and whether a render it must end with is owed (see the pacer above). */
  private inKey = false;
  private renderAfterKey = false;
  /** Screen renders so far. */
  private renders = 0;
  /** The title bar as last rendered. */
  private drawnTitle = '';
  private closed = false;
  private finish: () => void = () => {};
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    readonly services: ConsoleServices,
    streams: TerminalStreams,
    readonly who: string,
    rootViews: RootViews,
  ) {
    this.colorMode = streams.colorMode;
    this.exited = new Promise((resolve) => (this.finish = resolve));
    // blessed reads size and TTY-ness from the output; an SSH channel has neither, so say them here.
    const size = clampTerminalSize(streams, { columns: 80, rows: 24 });
    this.output = Object.assign(streams.output, { columns: size.columns, rows: size.rows, isTTY: true });
    // Keys reach blessed through our own emit, so a throwing handler throws here, where we catch it.
    (this.input as unknown as { isTTY: boolean }).isTTY = true;
    const onData = (chunk: Buffer) => this.guard(() => this.input.emit('data', chunk));
    streams.input.on('data', onData);
    this.unsubscribe.push(() => streams.input.off('data', onData));

    this.screen = blessed.screen({
      input: this.input,
      output: this.output,
      terminal: streams.terminal,
      smartCSR: true,
      fullUnicode: true,
      autoPadding: true,
      warnings: false,
      resizeTimeout: 0,
      title: 'photoframe',
    } as unknown as blessed.Widgets.IScreenOptions);
    this.screen.enableMouse();
    this.titleBar = blessed.box({ screen: this.screen, parent: this.screen, top: 0, left: 0, width: '100%', height: 1, tags: true, style: { bg: 'blue', fg: 'white' } });
    this.body = blessed.box({ screen: this.screen, parent: this.screen, top: 1, left: 0, width: '100%', height: '100%-3' });
    this.statusLine = blessed.box({ screen: this.screen, parent: this.screen, bottom: 1, left: 0, width: '100%', height: 1, tags: true });
    this.hintsBar = blessed.box({ screen: this.screen, parent: this.screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true, style: { bg: 'black', fg: 'grey' } });
    this.overlay = blessed.box({
      screen: this.screen,
      parent: this.screen,
      top: 'center',
      left: 'center',
      width: '90%',
      height: '90%',
      border: { type: 'line' },
      tags: true,
      hidden: true,
      scrollable: true,
      style: { border: { fg: 'yellow' } },
    });
    this.tooSmall = blessed.box({ screen: this.screen, parent: this.screen, top: 0, left: 0, width: '100%', height: '100%', tags: true, hidden: true });

    this.screen.on('keypress', (ch: string | undefined, key: { name?: string; full?: string; ctrl?: boolean; meta?: boolean }) =>
      this.guard(() => this.onKey(ch, key)),
    );
    this.screen.on('resize', () => this.guard(() => this.redrawAll()));
    this.registerGlobalKeys();
    this.guard(() => {
      const roots = rootViews(this);
      this.roots = roots.views;
      this.rootCommands = roots.commands;
      for (const view of this.roots) view.element.hide();
      this.push(this.roots[0]!);
    });
    // Relative times count up with nothing written to etcd (a paused display's photo keeps aging).
    this.ticker = setInterval(() => {
      if (this.top()?.ticks) this.refreshSoon();
    }, TICK_MS);
    this.ticker.unref?.();
    this.unsubscribe.push(services.hub.onChange(() => this.refreshSoon()));
    this.unsubscribe.push(services.etcd.onChange(() => this.refreshSoon(true)));
    // A cluster member lost is news for the status line; the feed re-attaches to another by itself.
    this.unsubscribe.push(
      services.etcd.onLink((link) =>
        link.up ? this.status('etcd: connected again; the displays view is live') : this.status(`etcd: connection lost (${link.reason}); reconnecting…`, true),
      ),
    );
    this.unsubscribe.push(services.events.onEvent(() => this.refreshSoon()));
    this.unsubscribe.push(services.certificates.onChange(() => this.refreshSoon()));
  }

  readonly colorMode: ColorMode;

  /** The terminal changed size (an SSH window-change). */
  resize(columns: number, rows: number): void {
    const size = clampTerminalSize({ columns, rows }, this.output);
    this.output.columns = size.columns;
    this.output.rows = size.rows;
    this.output.emit('resize');
  }

  /** The text blessed has drawn, row by row: what a person would read on the terminal. */
  screenText(): string {
    const lines = (this.screen as unknown as { lines: [number, string][][] }).lines;
    // A truecolor preview cell carries its colours as SGR in its text; a person reads only the character.
    return lines.map((row) => row.map((cell) => cell[1].replace(/\x1b\[[0-9;]*m/g, '')).join('').replace(/\s+$/, '')).join('\n');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.statusTimer);
    clearInterval(this.ticker);
    this.pacer.cancel();
    for (const stop of this.unsubscribe) stop();
    for (const view of new Set([...this.roots, ...this.stack])) view.dispose?.();
    try {
      this.screen.destroy();
    } catch {
      // The terminal may already be gone (an SSH client that dropped); there is nothing left to restore.
    }
    this.finish();
  }

  // --- SessionContext ---

  status(message: string, error = false): void {
    clearTimeout(this.statusTimer);
    const text = blessed.escape(message.replace(/\s*\n\s*/g, ' '));
    this.statusLine.setContent(error ? `{red-fg}{bold}${text}{/bold}{/red-fg}` : text);
    this.statusMessage = true;
    this.statusTimer = setTimeout(() => {
      this.statusMessage = false;
      this.statusLine.setContent('');
      this.renderNow();
    }, STATUS_CLEAR_MS);
    this.statusTimer.unref?.();
    this.renderNow();
  }

  async run(action: () => Promise<string | void>): Promise<void> {
    try {
      const done = await action();
      if (done && !this.closed) this.status(done);
    } catch (error) {
      this.reportError(error);
    }
  }

  prompt(label: string, initial = '', options: PromptOptions = {}): Promise<string | null> {
    return this.readLine(label, initial, undefined, options);
  }

  promptLive(initial: string, label: (text: string) => string, options: PromptOptions = {}): Promise<string | null> {
    return this.readLine(label(initial), initial, label, options);
  }

  async confirm(question: string, action: string): Promise<boolean> {
    return (await this.choose(question, [action])) === 0;
  }

  choose(question: string, actions: string[]): Promise<number | null> {
    return new Promise((resolve) => {
      this.mode = { kind: 'confirm', question, actions, focus: 0, done: resolve };
      this.drawOverlay();
      this.renderNow();
    });
  }

  push(view: View): void {
    this.top()?.element.hide();
    this.stack.push(view);
    view.element.show();
    view.refresh();
    this.renderNow();
  }

  back(): void {
    if (this.stack.length <= 1) return;
    const leaving = this.stack.pop()!;
    leaving.element.hide();
    if (!this.roots.includes(leaving)) {
      leaving.dispose?.();
      leaving.element.destroy();
    }
    const top = this.top()!;
    top.element.show();
    top.refresh();
    this.renderNow();
  }

  render(): void {
    this.renderNow();
  }

  async command(text: string): Promise<void> {
    const parsed = parseCommandLine(text);
    if (!parsed) return;
    const spec = findCommand([...(this.top()?.commands ?? []), ...this.rootCommands], parsed.verb);
    if (!spec) throw new UserError(`unknown command ":${parsed.verb}"; press ? for the list`);
    await spec.run(parsed.argument);
  }

  selectedTarget(): string | null {
    return this.top()?.target?.() ?? null;
  }

  // --- internals ---

  private top(): View | undefined {
    return this.stack[this.stack.length - 1];
  }

  quit(): void {
    this.close();
  }

  switchTo(view: View): void {
    this.switchRoot(view);
  }

  private switchRoot(view: View): void {
    while (this.stack.length > 1) this.back();
    this.top()?.element.hide();
    this.stack.length = 0;
    this.push(view);
  }

  private registerGlobalKeys(): void {
    const list = () => this.top()?.list;
    const k = this.keys;
    k.addGlobal({ keys: ['?'], hint: 'help', essential: true, description: 'this help', run: () => this.showHelp() });
    k.addGlobal({ keys: ['/'], hint: 'filter', description: 'filter the list (esc clears)', run: () => this.startFilter() });
    k.addGlobal({ keys: [':'], hint: 'command', description: 'command line, e.g. :album Vacation', run: () => this.startCommand() });
    k.addGlobal({ keys: ['tab'], hint: 'next view', description: 'displays → albums → photos → groups → events', run: () => this.cycleRoot(1) });
    k.addGlobal({ keys: ['S-tab'], description: 'previous view', run: () => this.cycleRoot(-1) });
    for (const [index, name] of ['displays', 'albums', 'photos', 'groups', 'events'].entries()) {
      k.addGlobal({ keys: [String(index + 1)], description: name, run: () => this.roots[index] && this.switchRoot(this.roots[index]!) });
    }
    k.addGlobal({ keys: ['j', 'down'], description: 'down', run: () => list()?.move(1) });
    k.addGlobal({ keys: ['k', 'up'], description: 'up', run: () => list()?.move(-1) });
    k.addGlobal({ keys: ['g', 'home'], description: 'first', run: () => list()?.select(0) });
    k.addGlobal({ keys: ['G', 'end'], description: 'last', run: () => list()?.select(Number.MAX_SAFE_INTEGER) });
    k.addGlobal({ keys: ['C-d', 'pagedown'], description: 'page down', run: () => list()?.page(1) });
    k.addGlobal({ keys: ['C-u', 'pageup'], description: 'page up', run: () => list()?.page(-1) });
    k.addGlobal({ keys: ['q', 'escape'], hint: 'back', essential: true, description: 'back; clears the filter; asks to quit from the first view', run: () => this.goBack() });
    k.addGlobal({ keys: ['C-c'], description: 'quit', run: () => this.close() });
    k.addGlobal({ keys: ['C-l'], description: 'redraw the whole screen (after another program wrote over it)', run: () => this.redrawScreen() });
  }

  private goBack(): void {
    const top = this.top();
    if (top?.filter && top.filter.text !== '') {
      top.filter.apply('');
      return this.renderNow();
    }
    if (this.stack.length > 1) return this.back();
    // One Esc too many (easy over a laggy SSH link) must not end the session: ask, with the focus on Cancel. C-c still quits at once.
    void this.confirm('Leave the console?', 'Quit').then((quit) => {
      if (quit) this.close();
      else this.status('still here');
    });
  }

  private cycleRoot(step: number): void {
    const current = this.roots.indexOf(this.stack[0]!);
    this.switchRoot(this.roots[(current + step + this.roots.length) % this.roots.length]!);
  }

  private keyName(ch: string | undefined, key: { name?: string; full?: string }): string {
    const named = ['enter', 'return', 'escape', 'backspace', 'tab', 'space', 'linefeed', 'delete'];
    if (key.name && named.includes(key.name)) return key.full?.startsWith('S-') && key.name === 'tab' ? 'S-tab' : key.name;
    if (ch && ch.length === 1 && ch >= ' ' && !(key.full ?? '').startsWith('C-') && !(key.full ?? '').startsWith('M-')) return ch;
    return key.full ?? key.name ?? ch ?? '';
  }

  private onKey(ch: string | undefined, key: { name?: string; full?: string }): void {
    if (this.closed) return;
    const rendersBefore = this.renders;
    this.inKey = true;
    this.renderAfterKey = false;
    try {
      this.handleKey(ch, key);
    } finally {
      this.inKey = false;
      if (this.renderAfterKey && this.renders === rendersBefore) this.renderNow();
    }
  }

  private handleKey(ch: string | undefined, key: { name?: string; full?: string }): void {
    const name = this.keyName(ch, key);
    this.flushRefresh();
    // blessed reports Enter twice, as `return` and as `enter`; act on one of them.
    if (name === 'return' || name === '') return;
    const mode = this.mode;
    if (mode.kind === 'input') return this.onInputKey(mode, name, ch);
    if (mode.kind === 'confirm') return this.onConfirmKey(mode, name);
    if (mode.kind === 'help') {
      const scroll = { j: 1, down: 1, k: -1, up: -1, 'C-d': 10, pagedown: 10, 'C-u': -10, pageup: -10 }[name];
      if (scroll !== undefined) {
        this.overlay.scroll(scroll);
        return this.renderNow();
      }
      this.mode = { kind: 'normal' };
      this.overlay.hide();
      return this.renderNow();
    }
    if (this.tooSmall.visible && name !== 'C-c' && name !== 'q') return;
    const view = this.top();
    if (!view) return;
    const binding = this.keys.find(view.keys, name);
    if (!binding) return;
    const result = binding.run();
    if (result instanceof Promise) void result.catch((error) => this.reportError(error));
    if (!this.closed) this.renderNow();
  }

  private onInputKey(mode: Extract<Mode, { kind: 'input' }>, name: string, ch: string | undefined): void {
    let outcome = name === 'tab' ? this.completeInput(mode) : mode.line.key(name === 'space' ? 'space' : name, name === 'space' ? ' ' : ch);
    if (outcome === 'edited') {
      if (name !== 'tab') mode.note = undefined;
      const label = mode.onChange?.(mode.line.text);
      if (typeof label === 'string') mode.label = label;
    }
    if (outcome === 'submitted') {
      // A refused value keeps the prompt open with the text as typed; the reason goes under it.
      const problem = mode.options.check?.(mode.line.text) ?? null;
      if (problem !== null) {
        mode.note = { text: problem, error: true };
        outcome = 'ignored';
      }
    }
    if (outcome === 'submitted' || outcome === 'cancelled') {
      this.mode = { kind: 'normal' };
      this.statusLine.setContent('');
      mode.done(outcome === 'submitted' ? mode.line.text : null);
    } else this.drawInput(mode);
    if (!this.closed) this.renderNow();
  }

  private onConfirmKey(mode: Extract<Mode, { kind: 'confirm' }>, name: string): void {
    const buttons = mode.actions.length + 1;
    if (['tab', 'right', 'l'].includes(name)) mode.focus = (mode.focus + 1) % buttons;
    else if (['S-tab', 'left', 'h'].includes(name)) mode.focus = (mode.focus + buttons - 1) % buttons;
    else if (name === 'enter' || name === 'escape' || name === 'q' || name === 'n') {
      this.mode = { kind: 'normal' };
      this.overlay.hide();
      mode.done(name === 'enter' && mode.focus > 0 ? mode.focus - 1 : null);
    }
    if (this.mode.kind === 'confirm') this.drawOverlay();
    this.renderNow();
  }

  /** Tab: the text completed as far as the names allow; several choices are listed under the input. */
  private completeInput(mode: Extract<Mode, { kind: 'input' }>): 'edited' | 'ignored' {
    const { text, choices } = mode.complete(mode.line.text);
    mode.note = choices.length > 1 ? { text: `tab: ${choices.join(', ')}`, error: false } : choices.length === 0 ? { text: 'tab: no name starts with that', error: false } : undefined;
    if (text === mode.line.text) return 'ignored';
    mode.line.text = text;
    return 'edited';
  }

  /** Album, display and group names, as Tab completes them. */
  names(kind: NameKind): string[] {
    const library = this.services.hub.library;
    const albums = kind === 'albums' || kind === 'all' ? library.albums.map((a) => a.name) : [];
    const groups = kind === 'groups' || kind === 'targets' || kind === 'all' ? groupsOf(library).map((g) => g.name) : [];
    let displays: string[] = [];
    if (kind === 'displays' || kind === 'targets' || kind === 'all') {
      const known = new Set(library.displays.map((d) => d.id));
      const announced = [...this.services.etcd.view.announcements].filter(([id]) => !known.has(id)).map(([id, a]) => a.hostname || id);
      displays = [...library.displays.map((d) => d.name), ...announced];
    }
    return [...albums, ...displays, ...groups];
  }

  private readLine(label: string, initial: string, onChange?: (text: string) => string | void, options: PromptOptions = {}, complete?: (text: string) => Completion): Promise<string | null> {
    return new Promise((resolve) => {
      const kind = options.complete ?? 'all';
      const mode: Mode = {
        kind: 'input',
        label,
        line: new LineInput(initial),
        onChange,
        done: resolve,
        options,
        complete: complete ?? ((text) => (kind === 'none' ? { text, choices: [] } : completeName(text, this.names(kind)))),
      };
      this.mode = mode;
      clearTimeout(this.statusTimer);
      this.statusMessage = false;
      this.drawInput(mode);
      this.renderNow();
    });
  }

  private drawInput(mode: Extract<Mode, { kind: 'input' }>): void {
    this.statusLine.setContent(`{yellow-fg}${blessed.escape(mode.label)}{/yellow-fg}${blessed.escape(mode.line.text)}{inverse} {/inverse}`);
  }

  /** The line under an open input: a refusal, the Tab choices, the prompt's own hint, or the keys. */
  private inputHints(mode: Extract<Mode, { kind: 'input' }>, width: number): string {
    const fitted = (text: string) => blessed.escape(text.length > width ? `${text.slice(0, width - 1)}…` : text);
    if (mode.note) return mode.note.error ? `{red-fg}{bold}${fitted(mode.note.text)}{/bold}{/red-fg}` : fitted(mode.note.text);
    const hint = typeof mode.options.hint === 'function' ? mode.options.hint(mode.line.text) : mode.options.hint;
    return fitted(hint ?? 'enter accepts · esc cancels · tab completes names');
  }

  private startFilter(): void {
    const view = this.top();
    const filter = view?.filter;
    if (!filter) return this.status('this view has no filter');
    const before = filter.text;
    void this.readLine('/', before, (text) => void filter.apply(text), { complete: 'none', hint: 'the list narrows as you type · enter keeps the filter · esc restores it' }).then((text) => {
      if (text === null) filter.apply(before);
      this.renderNow();
    });
  }

  private startCommand(): void {
    const verbs = () => [...(this.top()?.commands ?? []), ...this.rootCommands].flatMap((c) => [c.verb, ...(c.aliases ?? [])]);
    void this.readLine(':', '', undefined, {}, (text) => completeCommandLine(text, verbs(), this.names('all'))).then((text) => {
      if (text === null) return;
      void this.run(() => this.command(text));
    });
  }

  private showHelp(): void {
    const view = this.top();
    if (!view) return;
    const commands = [...(view.commands ?? []), ...this.rootCommands];
    // The overlay's inside, less its border and a column for the scroll bar.
    const width = (this.overlay.width as number) - 3;
    const section = (title: string, entries: [string, string][]) => [title, ...helpColumns(entries, width), ''];
    const lines = [
      `photoframe console · ${view.title}   (j/k scroll, any other key closes)`,
      ...wrapWords(`about: ${this.about()}`, width),
      '',
      ...(view.helpNotes ? [...view.helpNotes.flatMap((note) => (note.startsWith('  ') ? wrapWords(note.trim(), width - 2).map((l) => `  ${l}`) : wrapWords(note, width))), ''] : []),
      ...this.keys.helpSections(view.keys).flatMap(({ title, entries }) => section(title, entries)),
      ...section('commands (after :)', commands.map((c) => [c.usage, c.description])),
    ];
    this.mode = { kind: 'help' };
    this.overlay.setLabel(' help ');
    this.overlay.setContent(lines.map((line, i) => (i === 0 ? `{bold}${blessed.escape(line)}{/bold}` : blessed.escape(line))).join('\n'));
    this.overlay.scrollTo(0);
    this.overlay.show();
    this.overlay.setFront();
  }

  /** Where this console's data lives: what a newcomer needs to run the CLI beside it or take a screenshot. */
  private about(): string {
    const { etcdLabel, paths, viewerScreen } = this.services;
    return [`etcd ${etcdLabel}`, `home ${paths.home}`, ...(viewerScreen ? [`viewer on X display ${viewerScreen} (xwd -root -display ${viewerScreen} takes a screenshot)`] : [])].join(' · ');
  }

  private drawOverlay(): void {
    const mode = this.mode;
    if (mode.kind !== 'confirm') return;
    const button = (label: string, on: boolean) => (on ? `{inverse}{bold} ${label} {/bold}{/inverse}` : ` ${label} `);
    this.overlay.setLabel(' confirm ');
    this.overlay.scrollTo(0);
    this.overlay.setContent(
      [
        '',
        ...wrapWords(mode.question, (this.overlay.width as number) - 6).map((line) => `  ${blessed.escape(line)}`),
        '',
        `      ${['Cancel', ...mode.actions].map((label, i) => button(blessed.escape(label), mode.focus === i)).join('    ')}`,
        '',
        '  {grey-fg}tab/←/→ choose · enter confirms the highlighted button · esc cancels{/grey-fg}',
      ].join('\n'),
    );
    this.overlay.show();
    this.overlay.setFront();
  }

  private reportError(error: unknown): void {
    const message = error instanceof UserError ? error.message : `error: ${reasonOf(error)}`;
    this.services.events.add(this.who, message, true);
    if (!this.closed) this.status(message, true);
  }

  /** Runs one piece of session work; whatever it throws stays in this session. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      try {
        this.reportError(error);
      } catch {
        // Even the status line failed (a destroyed screen); the session is going away anyway.
      }
    }
  }

  /** Redraws the view soon with what the services now hold; `throttled` for a change from etcd (see RefreshPacer). */
  private refreshSoon(throttled = false): void {
    if (!this.closed) this.pacer.changed(throttled);
  }

  private flushRefresh(): void {
    this.pacer.flush();
  }

  /** Forgets what blessed believes is on the terminal, clears it, and draws every cell again. */
  private redrawScreen(): void {
    this.screen.realloc();
    this.redrawAll();
  }

  private redrawAll(): void {
    this.top()?.refresh();
    this.renderNow();
  }

  private renderNow(): void {
    if (this.closed) return;
    const width = this.screen.width as number;
    const height = this.screen.height as number;
    const small = width < MIN_COLUMNS || height < MIN_ROWS;
    if (small) {
      this.tooSmall.setContent(
        `\n  The terminal is ${width}×${height}; the console needs at least ${MIN_COLUMNS}×${MIN_ROWS}.\n  Make the window larger (q quits).`,
      );
      this.tooSmall.show();
      this.tooSmall.setFront();
    } else this.tooSmall.hide();
    const view = this.top();
    this.drawnTitle = this.titleText();
    this.titleBar.setContent(this.drawnTitle);
    if (this.mode.kind === 'normal' && !this.statusMessage) this.statusLine.setContent(queueStatusLine(this.services.preparation.standing()));
    if (this.mode.kind === 'input') this.hintsBar.setContent(` ${this.inputHints(this.mode, width - 2)}`);
    else if (view) this.hintsBar.setContent(` ${blessed.escape(this.keys.hints(view.keys, width - 2))}`);
    this.renders++;
    this.screen.render();
  }

  /** The title bar: where in the views, and the counts on the right. */
  private titleText(): string {
    const trail = this.stack.map((v) => blessed.escape(v.title)).join(' › ');
    const library = this.services.hub.library;
    const right = `${this.services.etcd.view.online.size} online · ${library.albums.length} albums · ${photoCount(library)} photos`;
    return ` {bold}photoframe{/bold} · ${trail}{|}${blessed.escape(right)} `;
  }
}
