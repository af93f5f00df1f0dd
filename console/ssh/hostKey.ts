import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { writeFileAtomic } from '../../common/atomicFile.ts';
import { UserError } from '../../common/userError.ts';

const { utils } = ssh2;

export interface HostKey {
  privateKey: string;
  /** `SHA256:…`, as `ssh` prints it when it first meets the server. */
  fingerprint: string;
  created: boolean;
}

/**
 * The server's key: made once (ed25519) and kept owner-only, so clients that
 * learned it on the first connection can trust the server afterwards.
 */
export async function loadOrCreateHostKey(path: string): Promise<HostKey> {
  let privateKey: string;
  let created = false;
  try {
    privateKey = await readFile(path, 'utf8');
    const mode = (await stat(path)).mode & 0o777;
    if (mode & 0o077) throw new UserError(`SSH host key ${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${path}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    privateKey = utils.generateKeyPairSync('ed25519', {}).private;
    await writeFileAtomic(path, privateKey, 0o600);
    created = true;
  }
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new UserError(`SSH host key ${path} cannot be read (${parsed.message}); move it away to make a new one`);
  const blob = parsed.getPublicSSH();
  const fingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  return { privateKey, fingerprint, created };
}
