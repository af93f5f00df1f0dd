/**
 * Why a fetch() failed, in the words a person can act on: undici hides the
 * socket error (ECONNREFUSED, ENOTFOUND …) in `cause`, and a timeout is an
 * AbortSignal's TimeoutError.
 */
export function fetchFailureReason(error: unknown, timeoutMs: number): string {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  if (code) return code;
  if ((error as Error).name === 'TimeoutError') return `no answer in ${timeoutMs} ms`;
  return (error as Error).message;
}
