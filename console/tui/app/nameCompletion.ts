/**
 * Tab completion for prompts and the `:` line: album, display and group
 * names, as typed so far, case-insensitively. Pure: text and names in, the
 * completed text and the names still possible out.
 */
export interface Completion {
  text: string;
  /** The names the text could still become (shown when there is more than one). */
  choices: string[];
}

export function completeName(text: string, names: readonly string[]): Completion {
  const typed = text.toLowerCase();
  const choices = [...new Set(names)].filter((name) => name.toLowerCase().startsWith(typed)).sort((a, b) => a.localeCompare(b));
  if (choices.length === 0) return { text, choices };
  if (choices.length === 1) return { text: choices[0]!, choices };
  // As far as every choice agrees, keeping the case of the names (they are what is meant).
  let common = choices[0]!;
  for (const choice of choices) {
    let i = 0;
    while (i < common.length && i < choice.length && common[i]!.toLowerCase() === choice[i]!.toLowerCase()) i++;
    common = common.slice(0, i);
  }
  return { text: common.length > text.length ? common : text, choices };
}

/** The `:` line: the verb first, then the verb's argument (a name, which may hold spaces). */
export function completeCommandLine(text: string, verbs: readonly string[], names: readonly string[]): Completion {
  const space = text.search(/\s/);
  if (space < 0) {
    const verb = completeName(text, verbs);
    return verb.choices.length === 1 ? { text: `${verb.text} `, choices: verb.choices } : verb;
  }
  const verb = text.slice(0, space);
  const argument = completeName(text.slice(space).trimStart(), names);
  return { text: `${verb} ${argument.text}`, choices: argument.choices };
}

/** An album named as typed, or, when no album has exactly that name, the one album whose name differs only in case. */
export function resolveName(typed: string, names: readonly string[]): string {
  if (names.includes(typed)) return typed;
  const matches = names.filter((name) => name.toLowerCase() === typed.toLowerCase());
  return matches.length === 1 ? matches[0]! : typed;
}
