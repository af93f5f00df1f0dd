import type blessed from 'blessed';
import type { CommandSpec } from './commandLine.ts';
import type { KeyScope } from './keyRegistry.ts';

/** One screenful of the console: a box in the body, its keys, and how it redraws. */
export interface View {
  readonly title: string;
  readonly element: blessed.Widgets.BoxElement;
  readonly keys: KeyScope;
  /** Redraws from the shared state; called when it changes and after a resize. */
  refresh(): void;
  /** The `/` filter; views without one ignore `/`. */
  filter?: { text: string; apply(text: string): void };
  /** The list that j/k, g/G and the mouse move, if any. */
  list?: { move(delta: number): void; page(direction: 1 | -1): void; select(index: number): void; length: number };
  /** Extra `:` commands while this view is on top. */
  commands?: CommandSpec[];
  /** Draws anything blessed cannot (the truecolor preview) after each render. */
  afterRender?(): void;
  dispose?(): void;
}
