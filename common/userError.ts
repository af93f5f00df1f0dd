/**
 * An error whose message is meant for the person at the keyboard: one line that
 * names the thing and says what to do. The CLI prints it without a stack trace.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** The message of any thrown value, for wrapping into a contextual error. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
