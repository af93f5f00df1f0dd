import { EtcdPermissionDeniedError } from 'etcd3';
import { UserError } from '../common/userError.ts';

/** etcd refused this display something its role should allow: almost always a revocation. */
export class DisplayRefusedError extends UserError {
  constructor(displayId: string, what: string) {
    super(`display ${displayId} is not allowed to ${what}; it may have been revoked (photoframe display enroll makes a new identity)`);
    this.name = 'DisplayRefusedError';
  }
}

/** Runs one step of connecting, turning etcd's bare "permission denied" into who was refused what. */
export async function asDisplay<T>(displayId: string, what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof EtcdPermissionDeniedError) throw new DisplayRefusedError(displayId, what);
    throw error;
  }
}
