import { parseArgs } from 'node:util';
import { resolveGlobalConfig } from '../../common/config.ts';
import { homePaths } from '../../common/homePaths.ts';
import { UserError } from '../../common/userError.ts';
import { configureImagesWriting } from '../displays/displayWrites.ts';
import { imagesWireLimitsFromEnv } from '../displays/imagesWire.ts';
import { ManifestStore } from '../manifests/manifestStore.ts';
import type { OptionSpec } from './command.ts';
import { COMMANDS } from './commandList.ts';

const GLOBAL_OPTIONS: OptionSpec = {
  etcd: { type: 'string' },
  'etcd-ca': { type: 'string' },
  'etcd-cert': { type: 'string' },
  'etcd-key': { type: 'string' },
  home: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: photoframe <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'global options:',
    '  --etcd URL[,URL...]  etcd endpoints (env PHOTOFRAME_ETCD, default https://127.0.0.1:2379; http:// means a plain etcd)',
    '  --etcd-ca FILE       the CA etcd\'s certificate must come from (env PHOTOFRAME_ETCD_CA, default <home>/pki/ca.crt)',
    '  --etcd-cert FILE     this client\'s certificate; its name is the etcd user (env PHOTOFRAME_ETCD_CERT, default <home>/pki/console.crt)',
    '  --etcd-key FILE      its private key (env PHOTOFRAME_ETCD_KEY, default <home>/pki/console.key)',
    '                       each also from <home>/config.json: {"etcd", "etcd_ca", "etcd_cert", "etcd_key"}',
    '  --home DIR           library, caches and config (env PHOTOFRAME_HOME, default ~/.local/share/photoframe)',
    '  -h, --help           this help, or a command\'s with `photoframe <command> --help`',
  ].join('\n');
}

/** `unknown option --jsn; did you mean --json?`: the option as typed, and the nearest one the command has. */
function unknownOptionMessage(argv: string[], options: OptionSpec, usage: string): string {
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const unknown = tokens.find((t) => t.kind === 'option' && !Object.hasOwn(options, t.name));
  if (!unknown || unknown.kind !== 'option') return `unknown option; usage: ${usage}`;
  const known = Object.keys(options).filter((name) => name.length > 1);
  const nearest = known
    .map((name) => ({ name, distance: editDistance(unknown.name, name) }))
    .sort((a, b) => a.distance - b.distance)[0];
  // A typo is a letter or two away; anything further is not worth guessing at.
  if (nearest && nearest.distance <= Math.max(1, Math.floor(nearest.name.length / 3))) return `unknown option ${unknown.rawName}; did you mean --${nearest.name}?`;
  return `unknown option ${unknown.rawName}; usage: ${usage}`;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** Runs the CLI and returns the exit code; every expected failure is one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  try {
    // First pass only finds the command name; options are checked strictly once we know its options.
    const { tokens } = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true });
    const first = tokens.find((t) => t.kind === 'positional');
    const commandName = first?.kind === 'positional' ? first.value : undefined;
    if (commandName === undefined || commandName === 'help') {
      const wantsHelp = commandName === 'help' || argv.includes('--help') || argv.includes('-h');
      (wantsHelp ? process.stdout : process.stderr).write(`${usage()}\n`);
      return wantsHelp ? 0 : 1;
    }
    const command = COMMANDS.find((c) => c.name === commandName);
    if (!command) throw new UserError(`unknown command "${commandName}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);

    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...command.options }, strict: true, allowPositionals: true });
    } catch (error) {
      const options = { ...GLOBAL_OPTIONS, ...command.options };
      if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UserError(unknownOptionMessage(argv, options, command.usage));
      throw new UserError(`${(error as Error).message.split('\n')[0]}; usage: ${command.usage}`);
    }
    if (parsed.values.help) {
      process.stdout.write(`usage: ${command.usage}\n${command.summary}\n`);
      return 0;
    }
    const positionals = [...parsed.positionals];
    positionals.splice(positionals.indexOf(commandName), 1);
    const text = (name: string) => (typeof parsed.values[name] === 'string' ? (parsed.values[name] as string) : undefined);
    const config = resolveGlobalConfig({
      etcd: text('etcd'),
      home: text('home'),
      etcdCa: text('etcd-ca'),
      etcdCert: text('etcd-cert'),
      etcdKey: text('etcd-key'),
    });
    configureImagesWriting({ store: new ManifestStore(homePaths(config.home).manifests), limits: imagesWireLimitsFromEnv(process.env) });
    const run = await command.load();
    return (await run({ config, values: parsed.values, positionals })) ?? 0;
  } catch (error) {
    if (error instanceof UserError) {
      process.stderr.write(`photoframe: ${error.message}\n`);
      return error.exitCode;
    }
    // Messages from libraries can span lines (a JSON parser quoting the file); the contract is one line.
    const message = String((error as Error).message ?? error).replace(/\s*\n\s*/g, ' ').slice(0, 500);
    process.stderr.write(`photoframe: ${message}${process.env.PHOTOFRAME_DEBUG ? '' : ' (PHOTOFRAME_DEBUG=1 shows more)'}\n`);
    if (process.env.PHOTOFRAME_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}
