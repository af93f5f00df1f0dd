/**
 * Why an HTTP request failed, in the words a person can act on: the socket
 * error (ECONNREFUSED, ENOTFOUND …), which fetch() (undici) hides in `cause`
 * and node:http puts on the error itself, or a timeout, a TimeoutError.
 */
export function fetchFailureReason(error: unknown, timeoutMs: number): string {
  // Only a string code names a socket error: a DOMException (fetch's timeout) has a numeric one.
  const own = (error as { code?: unknown }).code;
  const code = typeof own === 'string' ? own : (error as { cause?: { code?: unknown } }).cause?.code;
  if (typeof code === 'string' && code !== '') return code;
  if ((error as Error).name === 'TimeoutError') return `no answer in ${timeoutMs} ms`;
  return (error as Error).message;
}
