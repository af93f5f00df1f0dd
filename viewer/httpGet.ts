import { get as getHttp, type IncomingMessage } from 'node:http';
import { get as getHttps, type Agent as HttpsAgent } from 'node:https';

/** The whole exchange took too long; named like AbortSignal.timeout's error, which fetchFailureReason reads. */
export class RequestTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer in ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

export interface OpenResponse {
  response: IncomingMessage;
  /** Stops reading and closes the connection. */
  abort(): void;
}

/**
 * A GET through Node's own HTTP client, not fetch(): fetch is undici, whose
 * HTTP parser is WebAssembly, and the viewer runs under V8's lite mode, which
 * has none (see deploy/photoframe-viewer.service); undici would also load
 * megabytes of JavaScript a photo frame does not need. Redirects are not
 * followed: neither our image server nor a plain folder of photos sends
 * them, and following one would carry the bearer token to another host.
 * The whole exchange, body included, must end within `timeoutMs`.
 * `httpsAgent` carries a TLS identity (the CA to trust, the certificate to
 * present) and keeps its connections alive between photos; it is used for
 * https: URLs only.
 */
export function openGet(url: string, headers: Record<string, string>, timeoutMs: number, httpsAgent?: HttpsAgent): Promise<OpenResponse> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new Error('not a valid URL'));
  }
  const get = target.protocol === 'https:' ? getHttps : target.protocol === 'http:' ? getHttp : null;
  if (get === null) return Promise.reject(new Error(`${target.protocol} is not http: or https:`));
  return new Promise((resolve, reject) => {
    let response: IncomingMessage | null = null;
    // Named, so a server's log (or a firewall in front of it) can tell a photo frame from a bot.
    const options = { headers: { 'user-agent': 'photoframe-viewer', accept: 'image/*', ...headers } };
    const request = target.protocol === 'https:' && httpsAgent ? getHttps(target, { ...options, agent: httpsAgent }) : get(target, options);
    const timer = setTimeout(() => {
      // Destroyed with this error, a body being read throws it too, not a bare "aborted".
      const timeout = new RequestTimeout(timeoutMs);
      if (response) response.destroy(timeout);
      request.destroy(timeout);
    }, timeoutMs);
    const done = () => clearTimeout(timer);
    request.once('close', done);
    request.once('error', (error) => {
      done();
      reject(error);
    });
    request.once('response', (incoming) => {
      response = incoming;
      incoming.once('close', done);
      resolve({ response: incoming, abort: () => request.destroy() });
    });
  });
}
