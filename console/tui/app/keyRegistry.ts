/**
 * The one table of keys: key handling, the hints bar and the `?` help are all
 * read from it, so they cannot disagree.
 */
export interface KeyBinding {
  /** Key names as the console reports them: `j`, `down`, `G`, `C-c`, `enter`, `?`. */
  keys: string[];
  /** Short word for the hints bar; bindings without one appear only in the help. */
  hint?: string;
  /** Always in the hints bar, first, however narrow the terminal (help, back). */
  essential?: boolean;
  description: string;
  run(): void | Promise<void>;
}

export interface KeyScope {
  /** Shown as the help's section title. */
  title: string;
  bindings: KeyBinding[];
}

export class KeyRegistry {
  private readonly global: KeyScope = { title: 'everywhere', bindings: [] };

  addGlobal(binding: KeyBinding): void {
    this.global.bindings.push(binding);
  }

  /** The binding a key runs in a view: the view's own first, so a view may take over a global key. */
  find(view: KeyScope, key: string): KeyBinding | undefined {
    return view.bindings.find((b) => b.keys.includes(key)) ?? this.global.bindings.find((b) => b.keys.includes(key));
  }

  /** `key word` pairs that fit the width: the essential ones, then the view's, then the rest. */
  hints(view: KeyScope, width: number): string {
    const parts: string[] = [];
    let used = 0;
    const essential = this.global.bindings.filter((b) => b.essential);
    const rest = this.global.bindings.filter((b) => !b.essential);
    for (const binding of [...essential, ...view.bindings, ...rest]) {
      if (!binding.hint) continue;
      const part = `${binding.keys[0]} ${binding.hint}`;
      if (used + part.length + 2 > width) break;
      parts.push(part);
      used += part.length + 2;
    }
    return parts.join('  ');
  }

  /** Help sections: each scope's keys and what they do. */
  helpSections(view: KeyScope): { title: string; entries: [string, string][] }[] {
    return [view, this.global]
      .filter((scope) => scope.bindings.length > 0)
      .map((scope) => ({ title: scope.title, entries: scope.bindings.map((b) => [b.keys.join(' '), b.description] as [string, string]) }));
  }
}
