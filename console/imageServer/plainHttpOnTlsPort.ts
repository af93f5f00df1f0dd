import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';

// Every TLS connection starts with a handshake record; a plain HTTP request starts with a method's letters.
const TLS_HANDSHAKE_RECORD = 0x16;

/**
 * Answers a plain-HTTP request to the HTTPS port with one line saying so,
 * instead of the silent close OpenSSL would give it; no request is read or
 * served. The first byte of each connection decides: a TLS handshake goes on
 * to the TLS server untouched (the byte is put back first), anything else
 * gets a 400 and the connection closed. A connection that sends nothing is
 * closed after `firstByteTimeoutMs`.
 */
export function answerPlainHttpOnTlsPort(server: TlsServer, firstByteTimeoutMs: number): void {
  const tlsListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), firstByteTimeoutMs);
    const onReadable = () => {
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) return;
      socket.removeListener('readable', onReadable);
      clearTimeout(timer);
      if (chunk[0] === TLS_HANDSHAKE_RECORD) {
        socket.unshift(chunk);
        for (const listener of tlsListeners) listener.call(server, socket);
        return;
      }
      const text = "this image server speaks HTTPS only, with a display's certificate: use https://\n";
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    };
    socket.on('readable', onReadable);
    socket.once('close', () => clearTimeout(timer));
  });
}
