import { UserError } from '../../common/userError.ts';

/**
 * The library's files disagree or one is missing: reading on would show an
 * empty or partial library, and the next write or import would make the
 * loss permanent. Nothing is written until the person restores the file.
 */
export class LibraryCorruptError extends UserError {
  override name = 'LibraryCorruptError';
}
