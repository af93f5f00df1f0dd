import type { ParseArgsConfig } from 'node:util';
import type { GlobalConfig } from '../../common/config.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  config: GlobalConfig;
  values: OptionValues;
  positionals: string[];
}

/** One `photoframe <name>` command. `run` returns the exit code (0 when it returns nothing). */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  run(context: CommandContext): Promise<number | void>;
}
