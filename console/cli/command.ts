import type { ParseArgsConfig } from 'node:util';
import type { GlobalConfig } from '../../common/config.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  config: GlobalConfig;
  values: OptionValues;
  positionals: string[];
}

/** Runs a command; the exit code, or nothing for 0. */
export type CommandRun = (context: CommandContext) => Promise<number | void>;

/**
 * One `photoframe <name>` command: what help and option parsing need, and a
 * loader for its code, so a command only pays for the modules it uses (the
 * viewer's SDL, the console's blessed, sharp, etcd3).
 */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  load(): Promise<CommandRun>;
}
