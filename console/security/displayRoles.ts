import { randomBytes } from 'node:crypto';
import { EtcdRoleExistsError, EtcdRoleNotFoundError, EtcdUserExistsError, EtcdUserNotFoundError, Range, type Etcd3, type IPermissionRequest } from 'etcd3';
import { displayPrefix } from '../../common/protocol/displayKeys.ts';
import { announceKey, answersPrefix, IMAGE_SERVER_KEY, onlineKey, statusKey } from '../../common/protocol/systemKeys.ts';

import { displayUserName } from '../../common/enrollment/displayIdentity.ts';

export { displayIdOfUser, displayUserName } from '../../common/enrollment/displayIdentity.ts';

/**
 * One etcd user and one role per display, both named `display-<id>`, so
 * etcd itself refuses what the role does not grant.
 */

/**
 * What a display's role may touch: read its own keys and the image server's
 * address; write its own announcement, presence, status and answers. Leases
 * need no grant in etcd; keys put on them still need the write grant.
 */
export function displayPermissions(displayId: string): IPermissionRequest[] {
  const ownPrefix = displayPrefix(displayId);
  return [
    { permission: 'Read', range: Range.prefix(ownPrefix) },
    { permission: 'Read', key: IMAGE_SERVER_KEY },
    { permission: 'Readwrite', key: announceKey(displayId) },
    { permission: 'Readwrite', key: onlineKey(displayId) },
    { permission: 'Readwrite', key: statusKey(displayId) },
    { permission: 'Readwrite', range: Range.prefix(answersPrefix(displayId)) },
  ];
}

/** Creates (or completes) the display's user and role; running it again changes nothing. */
export async function createDisplayIdentity(client: Etcd3, displayId: string): Promise<void> {
  const name = displayUserName(displayId);
  const role = client.role(name);
  // One change after another, never side by side: etcd checks a request's auth revision when it applies it,
  // and a role change applied between (our own userAdd, sent alongside) made it refuse the grant with
  // "revision of auth store is old" on a 3-member cluster.
  await role.create().catch((error: unknown) => {
    if (!(error instanceof EtcdRoleExistsError)) throw error;
  });
  await role.grant(displayPermissions(displayId));
  // The certificate is the only way in: no password at all.
  await client.auth.userAdd({ name, password: '', options: { no_password: true } }).catch((error: unknown) => {
    if (!(error instanceof EtcdUserExistsError)) throw error;
  });
  await client.user(name).addRole(name);
}

/** Deletes the display's user and role, so etcd refuses its certificate from its next request on. */
export async function deleteDisplayIdentity(client: Etcd3, displayId: string): Promise<void> {
  const name = displayUserName(displayId);
  await client.user(name).delete().catch((error: unknown) => {
    if (!(error instanceof EtcdUserNotFoundError)) throw error;
  });
  await client.role(name).delete().catch((error: unknown) => {
    if (!(error instanceof EtcdRoleNotFoundError)) throw error;
  });
}
