import { UserError } from '../../../common/userError.ts';
import { initPki } from '../../pki/certificateAuthority.ts';
import type { CommandContext } from '../command.ts';

export async function runPki({ config, values, positionals }: CommandContext): Promise<number | void> {
  const [action] = positionals;
  if (action !== 'init') throw new UserError(`pki ${action === undefined ? 'needs an action' : `has no action "${action}"`}: use photoframe pki init [--san HOST ...] [--force]`);
  const sans = Array.isArray(values.san) ? values.san.map(String) : [];
  const paths = await initPki(config.home, { sans, force: values.force === true });
  process.stdout.write(
    [
      `made the certificate authority and certificates in ${paths.dir}:`,
      `  ca.crt               the installation's CA (ca.key beside it never leaves this host)`,
      `  etcd-server.crt/.key etcd's server certificate, for localhost, 127.0.0.1, ::1${sans.length ? `, ${sans.join(', ')}` : ''}`,
      `  image-server.crt/.key the image server's`,
      `  console.crt/.key     the console's client certificate (etcd user root)`,
      '',
    ].join('\n'),
  );
}
