import { readFile } from 'node:fs/promises';
import ssh2, { type ParsedKey } from 'ssh2';

const { utils } = ssh2;

/**
 * The keys of an OpenSSH authorized_keys file. Lines that are blank, comments
 * or not keys are passed over; options before the key type (`from=…`) are not
 * supported and make that line count as no key, never as a wider grant.
 */
export function parseAuthorizedKeys(text: string): ParsedKey[] {
  const keys: ParsedKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parsed = utils.parseKey(line);
    if (parsed instanceof Error) continue;
    keys.push(parsed);
  }
  return keys;
}

/** Read on every login, so adding or removing a key needs no restart; a missing file allows nobody. */
export async function readAuthorizedKeys(path: string): Promise<ParsedKey[]> {
  try {
    return parseAuthorizedKeys(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
