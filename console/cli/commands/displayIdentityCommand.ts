import { parseEtcdEndpoints } from '../../../common/config.ts';
import { connectEtcd } from '../../../common/etcd/etcdClient.ts';
import { homePaths } from '../../../common/homePaths.ts';
import { decodeImageServer } from '../../../common/protocol/codecs/imageServerCodec.ts';
import { IMAGE_SERVER_KEY } from '../../../common/protocol/systemKeys.ts';
import { daysLeft } from '../../../common/tls/tlsMaterial.ts';
import { UserError } from '../../../common/userError.ts';
import { findDisplay } from '../../../data/library/displays.ts';
import { LibraryStore } from '../../../data/library/libraryStore.ts';
import { enrollDisplays, EnrollmentFailedError, renewDisplay, revokeDisplay, type Enrollment } from '../../security/enrollment.ts';
import { stringOption } from '../argumentParsers.ts';
import type { CommandContext } from '../command.ts';

/** `display enroll NAME`, `display renew <display>`, `display revoke <display>`: a display's identity. */
export async function runDisplayIdentityAction({ config, values, positionals }: CommandContext, action: 'enroll' | 'renew' | 'revoke'): Promise<number | void> {
  const ref = positionals[1];
  if (!ref) throw new UserError(`display ${action} needs a ${action === 'enroll' ? 'name' : 'display id or name'}: photoframe display ${action} ${action === 'enroll' ? 'NAME' : '<display>'}`);
  const names = positionals.slice(1);
  if (action !== 'enroll' && names.length > 1) throw new UserError(`display ${action} takes one display, got ${names.length}`);
  const out = stringOption(values, 'out');
  if (out !== undefined && names.length > 1) throw new UserError('--out takes one display; several names keep their bundles under <home>/pki/displays/<id>');
  const store = new LibraryStore(homePaths(config.home).store);
  if (action === 'renew') {
    const library = await store.read();
    const id = findDisplay(library, ref)?.id ?? ref;
    const renewed = await renewDisplay(config.home, id, out);
    const days = daysLeft(renewed.facts);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ id, bundle: renewed.bundle, not_after: renewed.facts.notAfter.toISOString(), days_left: days })}\n`
        : `renewed display ${id}'s certificate: valid for ${days} days, until ${renewed.facts.notAfter.toISOString().slice(0, 10)}; install ${renewed.bundle}/display.crt on the display (make deploy does)\n`,
    );
    return;
  }
  if (config.etcd.tls === null) {
    throw new UserError(`display ${action} needs etcd over TLS with auth (etcd at ${config.etcd.endpoints.join(',')} is plain http://, where every client can do anything)`);
  }
  const client = await connectEtcd(config.etcd);
  try {
    if (action === 'enroll') {
      const displayEtcd = stringOption(values, 'display-etcd');
      const endpoints = displayEtcd === undefined ? config.etcd.endpoints : parseEtcdEndpoints(displayEtcd, '--display-etcd');
      if (endpoints.some((endpoint) => endpoint.startsWith('http:'))) throw new UserError('--display-etcd must be https:// endpoints: an enrolled display speaks TLS only');
      const server = decodeImageServer((await client.get(IMAGE_SERVER_KEY).string()) ?? '');
      // Several names in one run: a shop's 1,000 displays in one batch, one connection and one process start.
      const say = (enrolled: Enrollment) =>
        process.stdout.write(
          values.json
            ? `${JSON.stringify({ id: enrolled.id, name: enrolled.name, bundle: enrolled.bundle })}\n`
            : `${enrolled.id}\nenrolled display "${enrolled.name}": its bundle is ${enrolled.bundle} (make deploy PI=host BUNDLE=${enrolled.bundle} installs it)\n`,
        );
      const requests = names.map((name) => ({ name, etcdEndpoints: endpoints, imageServerUrl: server.ok ? server.value.url : null, out }));
      try {
        (await enrollDisplays(client, store, config.home, requests)).enrolled.forEach(say);
      } catch (error) {
        // The displays that were enrolled are told before the ones that were not.
        if (!(error instanceof EnrollmentFailedError)) throw error;
        error.enrolled.forEach(say);
        // One name: its own reason, as before batches.
        throw requests.length === 1 ? error.failures[0]!.error : error;
      }
      if (!values.json && endpoints.every(isLoopbackEndpoint)) {
        process.stderr.write(`note: the bundle points the display at ${endpoints.join(',')}, which only this host can reach; use --display-etcd https://<this host>:2379 for a Pi\n`);
      }
      return;
    }
    const revoked = await revokeDisplay(client, store, config.home, ref);
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ id: revoked.id, name: revoked.name, action: 'revoke' })}\n`
        : `revoked display "${revoked.name}" (${revoked.id}): its etcd user, role and keys are deleted, the image server refuses it, and its certificate is worthless\n`,
    );
  } finally {
    client.close();
  }
}

function isLoopbackEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
}
