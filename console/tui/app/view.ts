import blessed from 'blessed';
import type { SessionContext } from './consoleApp.ts';
import type { CommandSpec } from './commandLine.ts';
import type { KeyScope } from './keyRegistry.ts';

/** One screenful of the console: a box in the body, its keys, and how it redraws. */
export interface View {
  readonly title: string;
  readonly element: blessed.Widgets.BoxElement;
  readonly keys: KeyScope;
  /** Redraws from the shared state; called when it changes and after a resize. */
  refresh(): void;
  /**
   * Redraws for changes from etcd alone, as little as they need; returns
   * whether anything it shows changed (if not, the screen is not rendered).
   * Without it, `refresh` serves.
   */
  refreshLive?(): boolean;
  /** The `/` filter; views without one ignore `/`. */
  filter?: { text: string; apply(text: string): void };
  /** The list that j/k, g/G and the mouse move, if any. */
  list?: { move(delta: number): void; page(direction: 1 | -1): void; select(index: number): void; length: number };
  /** The display or group selected here, for `:next` and friends typed without one. */
  target?(): string | null;
  /** Lines the `?` help adds for this view: what its columns mean, the syntax its prompts take. */
  helpNotes?: string[];
  /** Extra `:` commands while this view is on top. */
  commands?: CommandSpec[];
  /** Redrawn every second while on top: it shows times that count up (SINCE, LAST SEEN). */
  ticks?: boolean;
  dispose?(): void;
}

/** The `/` filter of a list view: its text, and applying a new one redraws through `onChange`. */
export function textFilter(onChange: () => void): { text: string; apply(text: string): void } {
  const filter = {
    text: '',
    apply(text: string) {
      filter.text = text;
      onChange();
    },
  };
  return filter;
}

/** A view's own box, filling the console's body. */
export function viewElement(context: SessionContext): blessed.Widgets.BoxElement {
  return blessed.box({ screen: context.screen, parent: context.body, top: 0, left: 0, width: '100%', height: '100%' });
}
