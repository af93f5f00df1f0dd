import type { Etcd3 } from 'etcd3';
import { networkInterfaces } from 'node:os';
import { encodeImageServer, type ImageServerInfo } from '../../common/protocol/codecs/imageServerCodec.ts';
import { IMAGE_SERVER_KEY } from '../../common/protocol/systemKeys.ts';

/**
 * Tells every viewer where to fetch images; they watch this key, so a move
 * reaches them at once. Over HTTPS the value holds nothing secret (the URL and
 * the CA's fingerprint): displays prove who they are with their certificates.
 */
export async function publishImageServer(client: Etcd3, info: ImageServerInfo): Promise<void> {
  await client.put(IMAGE_SERVER_KEY).value(encodeImageServer(info));
}

/**
 * The URL displays should use. A server bound to every interface advertises
 * the first non-loopback IPv4 address, since a display on another host cannot
 * reach 127.0.0.1 of this one.
 */
export function advertisedUrl(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  if (host !== '0.0.0.0' && host !== '::') return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return `${scheme}://${address.address}:${port}`;
    }
  }
  return `${scheme}://127.0.0.1:${port}`;
}
