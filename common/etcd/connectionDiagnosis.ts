import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { assertCertificateCurrent, type TlsMaterial } from '../tls/tlsMaterial.ts';
import { UserError } from '../userError.ts';

/** A TLS problem between us and etcd, named with its fix: one line, no stack trace. */
export class EtcdTlsError extends UserError {
  constructor(
    readonly kind: EtcdTlsProblem,
    message: string,
  ) {
    super(message);
    this.name = 'EtcdTlsError';
  }
}

export type EtcdTlsProblem =
  | 'wrong-ca'
  | 'server-certificate-expired'
  | 'server-certificate-not-yet-valid'
  | 'host-not-in-certificate'
  | 'client-certificate-refused'
  | 'client-certificate-expired'
  | 'tls-endpoint-as-http'
  | 'plain-endpoint-as-https';

// OpenSSL's verification codes, as Node reports them in `error.code`.
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
]);
// Alerts the server sends when it refuses our certificate.
const CLIENT_REFUSED = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
]);
const CLIENT_EXPIRED = new Set(['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED']);
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'EPROTO']);

/**
 * After a failed connection, finds whether TLS was the cause by doing one
 * handshake ourselves and reading Node's error code. Returns null when TLS is
 * not the problem (etcd down, unreachable), so the caller says that instead.
 */
export async function diagnoseEtcdConnection(
  endpoints: string[],
  material: TlsMaterial | null,
  certificateFix = 'ask the console admin for a renewed certificate',
): Promise<EtcdTlsError | null> {
  if (material) assertCertificateCurrent(material, certificateFix);
  for (const endpoint of endpoints) {
    const url = new URL(endpoint);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port);
    if (url.protocol === 'http:') {
      // A plain client against a TLS etcd just sees the connection dropped; ask the port whether it speaks TLS.
      const outcome = await handshake(host, port, { rejectUnauthorized: false });
      // Either the handshake completes, or the server's TLS stack alerts that it wants a certificate: TLS either way.
      if (outcome.kind === 'ok' || (outcome.kind === 'error' && (CLIENT_REFUSED.has(outcome.code) || CLIENT_EXPIRED.has(outcome.code)))) {
        return new EtcdTlsError(
          'tls-endpoint-as-http',
          `etcd at ${endpoint} speaks TLS: use https://${url.host} (with the installation's CA and a certificate), not http://`,
        );
      }
      continue;
    }
    if (!material) continue;
    const outcome = await handshake(host, port, {
      ca: material.ca,
      cert: material.cert,
      key: material.key,
      ...(isIP(host) ? {} : { servername: host }),
    });
    if (outcome.kind !== 'error') continue;
    const code = outcome.code;
    if (UNTRUSTED.has(code)) {
      return new EtcdTlsError(
        'wrong-ca',
        `etcd at ${endpoint} has a certificate that ${material.files.ca} does not trust (wrong CA?); use the ca.crt of the installation that made etcd's certificate`,
      );
    }
    if (code === 'CERT_HAS_EXPIRED') {
      return new EtcdTlsError('server-certificate-expired', `etcd at ${endpoint} has an expired certificate; make it a new one (photoframe pki init --force on the console host) and restart etcd`);
    }
    if (code === 'CERT_NOT_YET_VALID') {
      return new EtcdTlsError('server-certificate-not-yet-valid', `etcd at ${endpoint} has a certificate that is not valid yet; check this machine's clock`);
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return new EtcdTlsError(
        'host-not-in-certificate',
        `etcd's certificate does not name "${host}"; connect by a name it carries, or remake it with photoframe pki init --force --san ${host}`,
      );
    }
    if (CLIENT_EXPIRED.has(code)) {
      return new EtcdTlsError('client-certificate-expired', `etcd at ${endpoint} refused ${material.files.cert} as expired; ${certificateFix}`);
    }
    if (CLIENT_REFUSED.has(code)) {
      return new EtcdTlsError(
        'client-certificate-refused',
        `etcd at ${endpoint} refused the certificate ${material.files.cert} (not signed by the CA it trusts?); use a certificate from this installation's CA`,
      );
    }
    if (NOT_TLS.has(code)) {
      return new EtcdTlsError('plain-endpoint-as-https', `etcd at ${endpoint} does not speak TLS; if it is a plain etcd, use http://${url.host}`);
    }
  }
  return null;
}

type Outcome = { kind: 'ok' } | { kind: 'error'; code: string } | { kind: 'unreachable' };

const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * One handshake, then a moment's wait: with TLS 1.3 a server refuses a client
 * certificate after the client thinks the handshake is done.
 */
function handshake(host: string, port: number, options: ConnectionOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    let socket: TLSSocket;
    const finish = (outcome: Outcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'unreachable' }), 3000);
    socket = tlsConnect({ host, port, ALPNProtocols: ['h2'], ...options });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'UNKNOWN';
      finish(SOCKET_ERRORS.has(code) ? { kind: 'unreachable' } : { kind: 'error', code });
    });
    socket.once('secureConnect', () => {
      // The HTTP/2 preface makes the server read our certificate and answer, or alert.
      socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
      socket.once('data', () => finish({ kind: 'ok' }));
      socket.once('end', () => finish({ kind: 'ok' }));
      setTimeout(() => finish({ kind: 'ok' }), 500).unref();
    });
  });
}
