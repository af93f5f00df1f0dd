import { displayIdOfUser } from '../security/displayRoles.ts';
import { CONSOLE_COMMON_NAME } from '../pki/certificateAuthority.ts';

/**
 * Who an HTTPS request comes from, read from its TLS connection alone: the
 * console (which may fetch anything), a display by its id, or a refusal that
 * names the cause and the fix. The TLS layer lets every client finish the
 * handshake so that this answer can be sent as text rather than as a dropped
 * connection; nothing is served before it is decided here.
 */
export type ClientIdentity =
  | { kind: 'console' }
  | { kind: 'display'; id: string }
  | { kind: 'refused'; status: 401 | 403; message: string };

export interface PeerFacts {
  /** Node's `socket.authorized`: the certificate chains to our CA and is valid now. */
  authorized: boolean;
  /** Node's `socket.authorizationError` code, e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `CERT_HAS_EXPIRED`. */
  authorizationError: string | null;
  /** The common name of the certificate presented, or null when none was. */
  commonName: string | null;
}

const NOT_OUR_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

export function identifyClient(peer: PeerFacts): ClientIdentity {
  if (peer.commonName === null) {
    return refused(401, "no client certificate: present the display's certificate (display.crt and display.key from its enrollment bundle)");
  }
  if (!peer.authorized) {
    const code = peer.authorizationError ?? 'unknown';
    if (NOT_OUR_CA.has(code)) return refused(401, "the client certificate is not from this installation's CA; use the enrollment bundle this console made");
    if (code === 'CERT_HAS_EXPIRED') return refused(401, 'the client certificate has expired; renew it on the console (photoframe display renew)');
    if (code === 'CERT_NOT_YET_VALID') return refused(401, "the client certificate is not valid yet; check the display's clock");
    return refused(401, `the client certificate was not accepted (${code}); use the enrollment bundle this console made`);
  }
  if (peer.commonName === CONSOLE_COMMON_NAME) return { kind: 'console' };
  const id = displayIdOfUser(peer.commonName);
  if (id === null) return refused(403, `"${printable(peer.commonName)}" is not a display: only display certificates fetch photos`);
  return { kind: 'display', id };
}

function refused(status: 401 | 403, message: string): ClientIdentity {
  return { kind: 'refused', status, message };
}

/** A common name is the client's text: bounded and without control characters before it goes into an answer. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 80);
}
