/**
 * A display's etcd user, which is also its certificate's common name:
 * `display-<id>`. The certificate alone then says which display asks, to etcd
 * and to the image server alike.
 */
const USER_PREFIX = 'display-';

export function displayUserName(displayId: string): string {
  return `${USER_PREFIX}${displayId}`;
}

/** The display id a certificate's common name stands for, or null for any other identity (the console is `root`). */
export function displayIdOfUser(commonName: string): string | null {
  return commonName.startsWith(USER_PREFIX) && commonName.length > USER_PREFIX.length ? commonName.slice(USER_PREFIX.length) : null;
}
