/**
 * The `:` command line: `:album Vacation`, `:next kitchen`. Parsing is pure;
 * the app maps a verb to what it does.
 */
export interface ParsedCommand {
  verb: string;
  /** Everything after the verb, trimmed; names may contain spaces. */
  argument: string;
}

export function parseCommandLine(text: string): ParsedCommand | null {
  const trimmed = text.trim().replace(/^:/, '').trim();
  if (trimmed === '') return null;
  const space = trimmed.search(/\s/);
  if (space < 0) return { verb: trimmed.toLowerCase(), argument: '' };
  return { verb: trimmed.slice(0, space).toLowerCase(), argument: trimmed.slice(space + 1).trim() };
}

export interface CommandSpec {
  verb: string;
  aliases?: string[];
  usage: string;
  description: string;
  run(argument: string): void | Promise<void>;
}

export function findCommand(specs: readonly CommandSpec[], verb: string): CommandSpec | undefined {
  return specs.find((s) => s.verb === verb || s.aliases?.includes(verb));
}

/** Splits on spaces, keeping "quoted parts" together: `album:"Summer 2023" year:2023`. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/(?:[^\s"]+|"[^"]*")+/g)) words.push(match[0].replace(/"/g, ''));
  return words;
}
