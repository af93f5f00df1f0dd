import { UserError } from '../userError.ts';

/**
 * `photoframe.env` in a display's enrollment bundle: who the display is and
 * where it reaches etcd, as KEY="value" lines that systemd's EnvironmentFile=
 * and a shell both read.
 */
export interface EnrollmentEnv {
  id: string;
  name: string;
  etcd: string[];
  imageServer: string | null;
}

export function formatEnrollmentEnv(env: EnrollmentEnv): string {
  const lines = [
    '# A photoframe display enrollment, made by `photoframe display enroll`. Keep this folder private (0600).',
    `PHOTOFRAME_ID=${quote(env.id)}`,
    `PHOTOFRAME_NAME=${quote(env.name)}`,
    `PHOTOFRAME_ETCD=${quote(env.etcd.join(','))}`,
  ];
  if (env.imageServer) lines.push(`PHOTOFRAME_IMAGE_SERVER=${quote(env.imageServer)}`);
  return `${lines.join('\n')}\n`;
}

function quote(value: string): string {
  if (/[\n\r]/.test(value)) throw new UserError(`an enrollment value cannot span lines: ${JSON.stringify(value)}`);
  return `"${value.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** Reads what formatEnrollmentEnv wrote (and plain KEY=value lines); unknown keys are kept. */
export function parseEnrollmentEnv(text: string, source: string): Record<string, string> {
  const values: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) throw new UserError(`${source} line ${index + 1} is not KEY=value: ${line.slice(0, 80)}`);
    let value = match[2]!;
    if (value.startsWith('"')) {
      if (!value.endsWith('"') || value.length < 2) throw new UserError(`${source} line ${index + 1} has an unclosed quote`);
      value = value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    }
    values[match[1]!] = value;
  });
  return values;
}
