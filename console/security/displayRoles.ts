import { EtcdRoleExistsError, EtcdRoleNotFoundError, EtcdUserExistsError, EtcdUserNotFoundError, Range, type Etcd3, type IPermissionRequest } from 'etcd3';
import { retryStaleAuthRevision, type StaleAuthRetryOptions } from '../../common/etcd/authRevisionRetry.ts';
import { settleBounded } from '../../common/boundedSettle.ts';
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
export async function createDisplayIdentity(client: Etcd3, displayId: string, options: StaleAuthRetryOptions = {}): Promise<void> {
  // One display is a batch of one: the same steps, in the same order.
  const [outcome] = await createDisplayIdentities(client, [displayId], 1, options);
  if (outcome!.status === 'rejected') throw outcome!.reason;
}

/**
 * Many displays' users and roles, `atOnce` displays in flight. etcd 3.4
 * rebuilds its whole permission cache, reading every user and each one's
 * roles, after every user or grant change (auth/range_perm_cache.go,
 * refreshRangePermCache; role creation alone does not): each change costs
 * in proportion to the users there are, and a display needs 8 of them (6
 * grants, its user, joining its role). Made display by display that is
 * quadratic: 1,000 displays took 88 s of etcd's time. So the batch goes in
 * three passes: every role with its grants while the new users do not exist
 * yet, then the users (a user without a role is cheap to rebuild), then each
 * user joined to its role. Outcomes in the order of `displayIds`; a display
 * that fails in one pass is not taken further.
 */
export async function createDisplayIdentities(client: Etcd3, displayIds: readonly string[], atOnce: number, options: StaleAuthRetryOptions = {}): Promise<PromiseSettledResult<void>[]> {
  const again = <T>(call: () => Promise<T>) => retryStaleAuthRevision(call, options);
  const outcomes: PromiseSettledResult<void>[] = displayIds.map(() => ({ status: 'fulfilled', value: undefined }));
  const pass = async (step: (id: string) => Promise<unknown>) => {
    const going = displayIds.map((id, i) => ({ id, i })).filter(({ i }) => outcomes[i]!.status === 'fulfilled');
    const results = await settleBounded(going, atOnce, async ({ id }) => {
      await step(id);
    });
    going.forEach(({ i }, k) => (outcomes[i] = results[k]!));
  };
  await pass(async (id) => {
    const role = client.role(displayUserName(id));
    await again(() => role.create()).catch((error: unknown) => {
      if (!(error instanceof EtcdRoleExistsError)) throw error;
    });
    await Promise.all(displayPermissions(id).map((permission) => again(() => role.grant(permission))));
  });
  await pass((id) =>
    again(() => client.auth.userAdd({ name: displayUserName(id), password: '', options: { no_password: true } })).catch((error: unknown) => {
      if (!(error instanceof EtcdUserExistsError)) throw error;
    }),
  );
  await pass((id) => again(() => client.user(displayUserName(id)).addRole(displayUserName(id))));
  return outcomes;
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
