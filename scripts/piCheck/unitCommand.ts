/**
 * The command a systemd unit runs, as systemd would build it, for running the
 * viewer's ExecStart outside systemd (the emulated Pi has no systemd as PID 1):
 * User=, Group=, SupplementaryGroups=, WorkingDirectory=, Environment= and
 * EnvironmentFile= (later assignments win, the file after the unit's own
 * lines, as systemd orders them), and $VAR / ${VAR} in ExecStart (an unbraced
 * $VAR alone as a word splits into words, as systemd.service(5) says). Pure.
 */

export class UnitReadError extends Error {
  override name = 'UnitReadError';
}

export interface UnitCommand {
  user: string;
  group: string;
  supplementaryGroups: string[];
  workingDirectory: string;
  noNewPrivileges: boolean;
  env: Record<string, string>;
  argv: string[];
}

export interface ServiceSettings {
  /** Each key's assignments in order (a key may repeat, e.g. Environment=). */
  values: Map<string, string[]>;
}

/** The [Service] section's key=value lines; comments and continuation-free lines only, as our unit is written. */
export function readServiceSection(text: string): ServiceSettings {
  const values = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      section = line;
      continue;
    }
    if (line.endsWith('\\')) throw new UnitReadError(`line continuations are not read here: ${line}`);
    if (section !== '[Service]') continue;
    const at = line.indexOf('=');
    if (at < 1) throw new UnitReadError(`not a key=value line: ${line}`);
    const key = line.slice(0, at).trim();
    values.set(key, [...(values.get(key) ?? []), line.slice(at + 1).trim()]);
  }
  return { values };
}

/** KEY=value lines of an EnvironmentFile=, unquoting "..." and '...' values. */
export function readEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new UnitReadError(`not a KEY=value line in the environment file: ${line}`);
    env[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  return env;
}

export function unitCommand(unitText: string, environmentFiles: (path: string) => string): UnitCommand {
  const { values } = readServiceSection(unitText);
  const one = (key: string) => values.get(key)?.at(-1);
  const env: Record<string, string> = {};
  for (const line of values.get('Environment') ?? []) {
    for (const assignment of line.split(/\s+/)) {
      const at = assignment.indexOf('=');
      if (at < 1 || /["']/.test(assignment)) throw new UnitReadError(`cannot read Environment= "${assignment}"`);
      env[assignment.slice(0, at)] = assignment.slice(at + 1);
    }
  }
  for (const path of values.get('EnvironmentFile') ?? []) {
    Object.assign(env, readEnvironmentFile(environmentFiles(path.replace(/^-/, ''))));
  }
  const exec = one('ExecStart');
  if (exec === undefined) throw new UnitReadError('the unit has no ExecStart=');
  const argv: string[] = [];
  for (const word of exec.split(/\s+/)) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (whole) argv.push(...(env[whole[1]!] ?? '').split(/\s+/).filter(Boolean));
    else argv.push(word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? ''));
  }
  const user = one('User') ?? 'root';
  return {
    user,
    group: one('Group') ?? user,
    supplementaryGroups: (values.get('SupplementaryGroups') ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean),
    workingDirectory: one('WorkingDirectory') ?? '/',
    noNewPrivileges: /^(yes|true|1|on)$/i.test(one('NoNewPrivileges') ?? 'no'),
    env,
    argv,
  };
}
