import { EtcdPermissionDeniedError } from 'etcd3';
import { UserError } from '../common/userError.ts';

/** etcd refused this display something its role should allow: almost always a revocation. */
export class DisplayRefusedError extends UserError {
  constructor(display: string, what: string) {
    super(`display ${display} is not allowed to ${what}; it may have been revoked`);
    this.name = 'DisplayRefusedError';
  }
}

/** Runs one step of connecting, turning etcd's bare "permission denied" into who was refused what. */
export async function asDisplay<T>(display: string, what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof EtcdPermissionDeniedError) throw new DisplayRefusedError(display, what);
    throw error;
  }
}
