/**
 * Why an HTTP request failed, in the words a person can act on: the socket
 * error (ECONNREFUSED, ENOTFOUND …), which fetch() (undici) hides in `cause`
 * and node:http puts on the error itself, or a timeout, a TimeoutError.
 */
export function fetchFailureReason(error: unknown, timeoutMs: number): string {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (code) return code;
  if ((error as Error).name === 'TimeoutError') return `no answer in ${timeoutMs} ms`;
  return (error as Error).message;
}
