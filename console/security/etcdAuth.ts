import { randomBytes } from 'node:crypto';
import { EtcdRoleExistsError, EtcdUserExistsError, type Etcd3 } from 'etcd3';
import { CONSOLE_COMMON_NAME } from '../pki/certificateAuthority.ts';

/**
 * Turns on etcd's authentication with the console as its administrator.
 * With `--client-cert-auth`, etcd takes a client's user from its certificate's
 * common name, so the console's certificate (CN root) is the admin identity
 * and no password is ever used: root's is random and thrown away.
 * Safe to run again on an etcd that already has auth on.
 */
export async function enableEtcdAuth(client: Etcd3): Promise<void> {
  const status = await client.auth.authStatus().catch(() => null);
  if (status?.enabled) return;
  try {
    await client.role('root').create();
  } catch (error) {
    if (!(error instanceof EtcdRoleExistsError)) throw error;
  }
  try {
    await client.auth.userAdd({ name: CONSOLE_COMMON_NAME, password: randomBytes(32).toString('base64url') });
  } catch (error) {
    if (!(error instanceof EtcdUserExistsError)) throw error;
  }
  await client.user(CONSOLE_COMMON_NAME).addRole('root');
  await client.auth.authEnable();
}
